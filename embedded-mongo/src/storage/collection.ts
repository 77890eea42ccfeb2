import type Database from 'better-sqlite3';
import { deserialize, serialize, type Document } from 'bson';
import { mongoError } from '../errors.js';
import { MAX_BSON_SIZE } from '../limits.js';
import { compileFilter } from '../query/matcher.js';
import { documentKeys, makeKeyer, type IndexKeyer, type IndexSpec } from './indexKeys.js';


export interface StoredDoc {
  rid: number;
  doc: Document;
  /** The index key the document was reached through, so a later batch can resume after it. */
  key?: Buffer;
}

/** Where an index scan stopped: the next batch starts strictly after (key, rid). */
export interface IndexPosition {
  key: Buffer;
  rid: number;
}

type DocKeys = ReturnType<typeof documentKeys>;

/** How one index's entries change when a document is rewritten. */
interface KeyChange {
  index: IndexState;
  removed: Buffer[];
  added: DocKeys;
}

/** One index: its definition plus the SQLite table holding (encoded key, rid) pairs. */
export class IndexState {
  readonly keyer: IndexKeyer;
  readonly table: string;
  private readonly insertKey: Database.Statement;
  private readonly deleteKeys: Database.Statement;
  private readonly findOther: Database.Statement<[Buffer, number], { rid: number }>;
  private readonly countKeys: Database.Statement<[Buffer, Buffer], { n: number }>;

  constructor(
    private readonly db: Database.Database,
    readonly id: number,
    readonly spec: IndexSpec,
    public multikey: boolean,
  ) {
    this.table = `ix${id}`;
    this.keyer = makeKeyer(spec, spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression) : undefined);
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (k BLOB NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (k, rid)) WITHOUT ROWID`);
    this.insertKey = db.prepare(`INSERT OR IGNORE INTO ${this.table} (k, rid) VALUES (?, ?)`);
    this.deleteKeys = db.prepare(`DELETE FROM ${this.table} WHERE rid = ? AND k = ?`);
    this.findOther = db.prepare(`SELECT rid FROM ${this.table} WHERE k = ? AND rid != ? LIMIT 1`);
    this.countKeys = db.prepare(`SELECT COUNT(*) AS n FROM ${this.table} WHERE k >= ? AND k < ?`);
  }

  /** The _id index is unique without saying so in its spec, as in MongoDB. */
  get unique(): boolean {
    return this.spec.unique === true || this.spec.name === '_id_';
  }

  keysOf(doc: Document): DocKeys {
    return documentKeys(this.keyer, this.spec, doc);
  }

  /** Raises MongoDB's duplicate key error (code 11000 with keyPattern/keyValue) if a key is taken. */
  checkUnique(ns: string, doc: Document, rid: number, computed?: DocKeys): void {
    if (!this.unique) return;
    const { keys, values } = computed ?? this.keysOf(doc);
    keys.forEach((key, i) => {
      if (this.findOther.get(key, rid) === undefined) return;
      const keyValue: Document = {};
      Object.keys(this.spec.key).forEach((f, j) => (keyValue[f] = values[i]?.[j] ?? null));
      const shown = JSON.stringify(keyValue).replace(/^\{|\}$/g, '');
      throw mongoError('DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${this.spec.name} dup key: { ${shown} }`, {
        keyPattern: this.spec.key,
        keyValue,
      });
    });
  }

  add(doc: Document, rid: number, computed?: DocKeys): void {
    const { keys, multikey } = computed ?? this.keysOf(doc);
    this.noteMultikey(multikey);
    for (const k of keys) this.insertKey.run(k, rid);
  }

  private noteMultikey(multikey: boolean): void {
    if (!multikey || this.multikey) return;
    this.multikey = true;
    this.db.prepare('UPDATE catalog_indexes SET multikey = 1 WHERE id = ?').run(this.id);
  }

  /** Number of entries with keys in [lo, hi). */
  countRange(lo: Buffer, hi: Buffer): number {
    return this.countKeys.get(lo, hi)?.n ?? 0;
  }

  /** Whether a change to these top-level fields can change this index's keys. */
  touchedBy(fields: ReadonlySet<string>): boolean {
    // A partial index's membership depends on its filter's fields too.
    return this.keyer.partial !== undefined || this.keyer.fields.some((path) => fields.has(path[0]!));
  }

  /**
   * The entries to delete and insert when a document changes: keys present in both versions stay
   * (an update that leaves an index's fields alone costs no index writes). Throws 11000 before
   * anything is written when an added key is taken by another document.
   */
  diff(ns: string, rid: number, oldDoc: Document, newDoc: Document): KeyChange | undefined {
    const before = this.keysOf(oldDoc).keys;
    const after = this.keysOf(newDoc);
    // A document becoming multikey must flag the index even when its keys stay the same.
    const flag = after.multikey && !this.multikey;
    if (!flag && before.length === 1 && after.keys.length === 1 && before[0]!.equals(after.keys[0]!)) return undefined;
    const old = new Set(before.map((k) => k.toString('latin1')));
    const now = new Set(after.keys.map((k) => k.toString('latin1')));
    const removed = before.filter((k) => !now.has(k.toString('latin1')));
    const added: DocKeys = { keys: [], values: [], multikey: after.multikey };
    after.keys.forEach((k, i) => {
      if (old.has(k.toString('latin1'))) return;
      added.keys.push(k);
      added.values.push(after.values[i]!);
    });
    if (!flag && removed.length === 0 && added.keys.length === 0) return undefined;
    this.checkUnique(ns, newDoc, rid, added);
    return { index: this, removed, added };
  }

  applyChange(change: KeyChange, rid: number): void {
    for (const k of change.removed) this.deleteKeys.run(rid, k);
    this.noteMultikey(change.added.multikey);
    for (const k of change.added.keys) this.insertKey.run(k, rid);
  }

  remove(doc: Document, rid: number): void {
    for (const k of this.keysOf(doc).keys) this.deleteKeys.run(rid, k);
  }
}

/** A collection: documents as BSON blobs in their own table, keyed by an insertion-ordered rid. */
export class CollectionStore {
  readonly table: string;
  readonly indexes = new Map<string, IndexState>();
  private readonly stmts;
  private readonly rangeStatements = new Map<string, Database.Statement<[Buffer, Buffer, number], { rid: number; doc: Buffer; k: Buffer }>>();

  constructor(
    readonly db: Database.Database,
    readonly id: number,
    readonly dbName: string,
    readonly name: string,
    readonly options: Document,
  ) {
    this.table = `c${id}`;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (rid INTEGER PRIMARY KEY, doc BLOB NOT NULL)`);
    this.stmts = {
      insert: db.prepare<[Buffer], void>(`INSERT INTO ${this.table} (doc) VALUES (?)`),
      update: db.prepare<[Buffer, number], void>(`UPDATE ${this.table} SET doc = ? WHERE rid = ?`),
      remove: db.prepare<[number], void>(`DELETE FROM ${this.table} WHERE rid = ?`),
      get: db.prepare<[number], { doc: Buffer }>(`SELECT doc FROM ${this.table} WHERE rid = ?`),
      scan: db.prepare<[number], { rid: number; doc: Buffer }>(`SELECT rid, doc FROM ${this.table} WHERE rid > ? ORDER BY rid`),
      count: db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${this.table}`),
    };
  }

  get ns(): string {
    return `${this.dbName}.${this.name}`;
  }

  static encode(doc: Document): Buffer {
    let raw: Uint8Array;
    try {
      raw = serialize(doc);
    } catch (err) {
      // bson's serializer runs out of its 17 MiB scratch buffer before our size check can.
      if (err instanceof RangeError) throw mongoError('BSONObjectTooLarge', `object to insert too large. max size: ${MAX_BSON_SIZE}`);
      throw err;
    }
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    if (bytes.length > MAX_BSON_SIZE) throw mongoError('BSONObjectTooLarge', `object to insert too large. size in bytes: ${bytes.length}, max size: ${MAX_BSON_SIZE}`);
    return bytes;
  }

  static decode(bytes: Buffer): Document {
    return deserialize(bytes);
  }

  insert(doc: Document): number {
    const bytes = CollectionStore.encode(doc);
    // Keys are computed once and used both for the unique checks and the index writes.
    const indexes = [...this.indexes.values()];
    const keys = indexes.map((ix) => ix.keysOf(doc));
    indexes.forEach((ix, i) => ix.checkUnique(this.ns, doc, -1, keys[i]));
    const rid = Number(this.stmts.insert.run(bytes).lastInsertRowid);
    indexes.forEach((ix, i) => ix.add(doc, rid, keys[i]));
    return rid;
  }

  /**
   * Rewrites a document. Only index entries whose keys changed are touched; `changed` (the
   * top-level fields the update wrote, when known) skips computing keys for indexes that cannot
   * have changed, and `bytes` saves re-encoding a document the caller already encoded.
   */
  replace(rid: number, oldDoc: Document, newDoc: Document, known: { bytes?: Buffer; changed?: ReadonlySet<string> } = {}): void {
    const bytes = known.bytes ?? CollectionStore.encode(newDoc);
    const changes: KeyChange[] = [];
    for (const ix of this.indexes.values()) {
      if (known.changed && !ix.touchedBy(known.changed)) continue;
      const change = ix.diff(this.ns, rid, oldDoc, newDoc);
      if (change) changes.push(change);
    }
    this.stmts.update.run(bytes, rid);
    for (const change of changes) change.index.applyChange(change, rid);
  }

  remove(rid: number, doc: Document): void {
    for (const ix of this.indexes.values()) ix.remove(doc, rid);
    this.stmts.remove.run(rid);
  }

  get(rid: number): Document | undefined {
    const row = this.stmts.get.get(rid);
    return row ? CollectionStore.decode(row.doc) : undefined;
  }

  /** Documents in insertion order after `afterRid`; `mayMatch` can reject raw BSON before decoding. */
  *scan(mayMatch?: (bytes: Buffer) => boolean, afterRid = 0): Generator<StoredDoc> {
    for (const row of this.stmts.scan.iterate(afterRid)) {
      if (mayMatch && !mayMatch(row.doc)) continue;
      yield { rid: row.rid, doc: CollectionStore.decode(row.doc) };
    }
  }

  /**
   * Documents whose key in `ix` lies in [lo, hi), in key order (or reversed), resuming strictly
   * after `after` when given. `seen` dedupes multikey entries across resumed batches.
   */
  *indexRange(ix: IndexState, lo: Buffer, hi: Buffer, reverse: boolean, after?: IndexPosition, seen?: Set<number>): Generator<StoredDoc> {
    const cacheKey = `${ix.table}:${reverse}`;
    let stmt = this.rangeStatements.get(cacheKey);
    if (!stmt) {
      // Row-value comparison on the (k, rid) primary key lets SQLite seek straight to the resume point.
      const where = reverse ? 'i.k >= ? AND (i.k, i.rid) < (?, ?)' : 'i.k < ? AND (i.k, i.rid) > (?, ?)';
      const dir = reverse ? 'DESC' : 'ASC';
      stmt = this.db.prepare<[Buffer, Buffer, number], { rid: number; doc: Buffer; k: Buffer }>(
        `SELECT c.rid AS rid, c.doc AS doc, i.k AS k FROM ${ix.table} i JOIN ${this.table} c ON c.rid = i.rid
         WHERE ${where} ORDER BY i.k ${dir}, i.rid ${dir}`,
      );
      this.rangeStatements.set(cacheKey, stmt);
    }
    const dedupe = ix.multikey ? (seen ?? new Set<number>()) : undefined;
    const rows = reverse ? stmt.iterate(lo, after?.key ?? hi, after?.rid ?? -1) : stmt.iterate(hi, after?.key ?? lo, after?.rid ?? -1);
    for (const row of rows) {
      if (dedupe) {
        if (dedupe.has(row.rid)) continue;
        dedupe.add(row.rid);
      }
      yield { rid: row.rid, doc: CollectionStore.decode(row.doc), key: row.k };
    }
  }

  /** Number of index entries in [lo, hi): a document count when the index is not multikey. */
  countRange(ix: IndexState, lo: Buffer, hi: Buffer): number {
    return ix.countRange(lo, hi);
  }

  count(): number {
    return this.stmts.count.get()?.n ?? 0;
  }
}
