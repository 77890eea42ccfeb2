import type Database from 'better-sqlite3';
import { serialize, type Document } from 'bson';
import { decodeDocument } from '../bson/codec.js';
import { keepTopLevel } from '../bson/rawField.js';
import { mongoError } from '../errors.js';
import { MAX_BSON_SIZE } from '../limits.js';
import type { UpdateDescription } from '../changeStreams/updateDescription.js';
import type { IndexState, KeyChange } from './indexState.js';
import { ADD, compareEntry, type PendingEntry } from './pendingKeys.js';

/** A row of an index scan: the document reached and the key it was reached through. */
interface IndexRow {
  rid: number;
  doc: Buffer;
  k: Buffer;
}

export interface StoredDoc {
  rid: number;
  doc: Document;
  /** The index key the document was reached through, so a later batch can resume after it. */
  key?: Buffer;
  /**
   * The BSON `doc` was decoded from (only the fields read, when a scan was told which): a find
   * can send these bytes as they are instead of encoding `doc` again.
   */
  bytes?: Buffer;
}

/**
 * A document read by an index scan, decoded on first use: a filter the index answers exactly
 * never looks at it, so a find that sends the stored bytes decodes nothing.
 */
class ScannedDoc implements StoredDoc {
  private decoded: Document | undefined;
  constructor(
    readonly rid: number,
    readonly bytes: Buffer,
    readonly key: Buffer,
  ) {}
  get doc(): Document {
    return (this.decoded ??= CollectionStore.decode(this.bytes));
  }
}

/** Where an index scan stopped: the next batch starts strictly after (key, rid). */
export interface IndexPosition {
  key: Buffer;
  rid: number;
}

/** How a rewrite came about: the update (absent for a replacement) and, from the fast path, the top-level fields it changed. */
export interface ReplaceInfo {
  update?: Document | Document[];
  /** The top-level fields whose value changed, when the update path knows them. */
  changed?: ReadonlySet<string>;
  /** The change stream's updateDescription, when the update path computed it (simpleUpdate.ts). */
  description?: UpdateDescription;
}

/** Hears every document change, inside the transaction that makes it (the oplog implements it). */
export interface ChangeRecorder {
  inserted(coll: CollectionStore, doc: Document, bytes: Buffer): void;
  replaced(coll: CollectionStore, before: Document, after: Document, bytes: Buffer, how: ReplaceInfo): void;
  removed(coll: CollectionStore, doc: Document): void;
}

/** A collection: documents as BSON blobs in their own table, keyed by an insertion-ordered rid. */
export class CollectionStore {
  readonly table: string;
  readonly indexes = new Map<string, IndexState>();
  private readonly stmts;
  private highestRid: number | undefined;
  private readonly rangeStatements = new Map<string, Database.Statement<[Buffer, Buffer, number], IndexRow>>();

  constructor(
    readonly db: Database.Database,
    readonly id: number,
    readonly dbName: string,
    readonly name: string,
    public options: Document,
    private readonly changes?: ChangeRecorder,
  ) {
    this.table = `c${id}`;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (rid INTEGER PRIMARY KEY, doc BLOB NOT NULL)`);
    keepSizes(db, this.table);
    this.stmts = {
      insert: db.prepare<[Buffer], void>(`INSERT INTO ${this.table} (doc) VALUES (?)`),
      update: db.prepare<[Buffer, number], void>(`UPDATE ${this.table} SET doc = ? WHERE rid = ?`),
      remove: db.prepare<[number], void>(`DELETE FROM ${this.table} WHERE rid = ?`),
      get: db.prepare<[number], { doc: Buffer }>(`SELECT doc FROM ${this.table} WHERE rid = ?`),
      scan: db.prepare<[number], { rid: number; doc: Buffer }>(`SELECT rid, doc FROM ${this.table} WHERE rid > ? ORDER BY rid`),
      page: db.prepare<[number, number], { rid: number; doc: Buffer }>(`SELECT rid, doc FROM ${this.table} WHERE rid > ? ORDER BY rid LIMIT ?`),
      size: db.prepare<[string], { n: number; bytes: number }>('SELECT n, bytes FROM collection_sizes WHERE tbl = ?'),
    };
  }

  /**
   * No index table holds keys for a rid above this: the highest rid the table has (or had, while
   * its deleted keys are still buffered).
   */
  private ridFloor(): number {
    if (this.highestRid === undefined) {
      let floor = this.db.prepare<[], { m: number | null }>(`SELECT MAX(rid) AS m FROM ${this.table}`).get()?.m ?? 0;
      for (const ix of this.indexes.values()) floor = Math.max(floor, ix.buffer?.maxRid ?? 0);
      this.highestRid = floor;
    }
    return this.highestRid;
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
    return decodeDocument(bytes);
  }

  /**
   * `batch`: the document is one of many in one transaction — its index keys go straight to the
   * tables, where the batch's keys share pages anyway (buffering pays off for small commits).
   */
  insert(doc: Document, batch = false): number {
    const bytes = CollectionStore.encode(doc);
    // Keys are computed once and used both for the unique checks and the index writes.
    const indexes = [...this.indexes.values()];
    const keys = indexes.map((ix) => ix.keysOf(doc));
    indexes.forEach((ix, i) => ix.checkUnique(this.ns, doc, -1, keys[i]));
    const floor = this.ridFloor();
    const rid = Number(this.stmts.insert.run(bytes).lastInsertRowid);
    // SQLite reuses the highest rid once its row is deleted; only a rid above all earlier ones is certainly new to the indexes.
    this.highestRid = Math.max(floor, rid);
    indexes.forEach((ix, i) => ix.add(doc, rid, keys[i], rid > floor, batch));
    this.changes?.inserted(this, doc, bytes);
    return rid;
  }

  /**
   * Rewrites a document. Only index entries whose keys changed are touched; `changed` (the
   * top-level fields the update wrote, when known) skips computing keys for indexes that cannot
   * have changed, and `bytes` saves re-encoding a document the caller already encoded. `update`
   * (absent for a replacement) is what change streams describe the change with.
   */
  replace(rid: number, oldDoc: Document, newDoc: Document, known: ReplaceInfo & { bytes?: Buffer } = {}): void {
    const bytes = known.bytes ?? CollectionStore.encode(newDoc);
    const changes: KeyChange[] = [];
    for (const ix of this.indexes.values()) {
      if (known.changed && !ix.touchedBy(known.changed)) continue;
      const change = ix.diff(this.ns, rid, oldDoc, newDoc);
      if (change) changes.push(change);
    }
    this.stmts.update.run(bytes, rid);
    for (const change of changes) change.index.applyChange(change, rid);
    this.changes?.replaced(this, oldDoc, newDoc, bytes, known);
  }

  remove(rid: number, doc: Document): void {
    for (const ix of this.indexes.values()) ix.remove(doc, rid);
    this.stmts.remove.run(rid);
    this.changes?.removed(this, doc);
  }

  get(rid: number): Document | undefined {
    const row = this.stmts.get.get(rid);
    return row ? CollectionStore.decode(row.doc) : undefined;
  }

  /** Documents in insertion order after `afterRid`; `mayMatch` can reject raw BSON before decoding. */
  *scan(mayMatch?: (bytes: Buffer) => boolean, afterRid = 0): Generator<StoredDoc> {
    for (const row of this.stmts.scan.iterate(afterRid)) {
      if (mayMatch && !mayMatch(row.doc)) continue;
      yield { rid: row.rid, doc: CollectionStore.decode(row.doc), bytes: row.doc };
    }
  }

  /**
   * At most `limit` documents after `afterRid`, in rid order, as an array: for work that writes
   * between pages (an index build), which an open `scan` iterator would forbid, over a collection
   * that need not fit in memory.
   */
  page(afterRid: number, limit: number): StoredDoc[] {
    return this.stmts.page.all(afterRid, limit).map((row) => ({ rid: row.rid, doc: CollectionStore.decode(row.doc) }));
  }

  /**
   * Documents whose key in `ix` lies in [lo, hi), in key order (or reversed), resuming strictly
   * after `after` when given. `seen` dedupes multikey entries across resumed batches; `mayMatch`
   * can reject raw BSON before decoding (the rest of the filter, when the index is not enough);
   * `fields`: only these top-level fields are needed, the rest is not decoded.
   */
  *indexRange(
    ix: IndexState,
    lo: Buffer,
    hi: Buffer,
    reverse: boolean,
    after?: IndexPosition,
    seen?: Set<number>,
    mayMatch?: (bytes: Buffer) => boolean,
    fields?: ReadonlySet<string>,
  ): Generator<StoredDoc> {
    const cacheKey = `${ix.table}:${reverse}`;
    let stmt = this.rangeStatements.get(cacheKey);
    if (!stmt) {
      // Row-value comparison on the (k, rid) primary key lets SQLite seek straight to the resume point.
      const where = reverse ? 'i.k >= ? AND (i.k, i.rid) < (?, ?)' : 'i.k < ? AND (i.k, i.rid) > (?, ?)';
      const dir = reverse ? 'DESC' : 'ASC';
      stmt = this.db.prepare<[Buffer, Buffer, number], IndexRow>(
        `SELECT c.rid AS rid, c.doc AS doc, i.k AS k FROM ${ix.table} i JOIN ${this.table} c ON c.rid = i.rid
         WHERE ${where} ORDER BY i.k ${dir}, i.rid ${dir}`,
      );
      this.rangeStatements.set(cacheKey, stmt);
    }
    const dedupe = ix.multikey ? (seen ?? new Set<number>()) : undefined;
    const rows = reverse ? stmt.iterate(lo, after?.key ?? hi, after?.rid ?? -1) : stmt.iterate(hi, after?.key ?? lo, after?.rid ?? -1);
    const merged = ix.buffer && ix.buffer.size > 0 ? this.withBuffered(rows, ix.buffer.range(lo, hi), reverse, after) : rows;
    for (const row of merged) {
      if (dedupe) {
        if (dedupe.has(row.rid)) continue;
        dedupe.add(row.rid);
      }
      if (mayMatch && !mayMatch(row.doc)) continue;
      yield new ScannedDoc(row.rid, fields ? (keepTopLevel(row.doc, fields) ?? row.doc) : row.doc, row.k);
    }
  }

  /**
   * The index table's rows merged with the index's buffered changes in the same range (both in
   * scan order): a DEL hides the table's row, an ADD appears in its place — once, if the table
   * has the pair too.
   */
  private *withBuffered(
    rows: Iterable<IndexRow>,
    buffered: PendingEntry[],
    reverse: boolean,
    after: IndexPosition | undefined,
  ): Generator<IndexRow> {
    const dir = reverse ? -1 : 1;
    // Scan order, and only what lies strictly past the resume point.
    const pending = (reverse ? buffered.reverse() : buffered).filter(
      (e) => !after || dir * compareEntry(e.k, e.rid, after.key, after.rid) > 0,
    );
    let i = 0;
    const added = (e: PendingEntry): IndexRow | undefined => {
      const row = e.op === ADD ? this.stmts.get.get(e.rid) : undefined;
      return row && { rid: e.rid, doc: row.doc, k: e.k };
    };
    for (const row of rows) {
      for (; i < pending.length && dir * compareEntry(pending[i]!.k, pending[i]!.rid, row.k, row.rid) < 0; i++) {
        const r = added(pending[i]!);
        if (r) yield r;
      }
      const twin = pending[i];
      if (twin && twin.rid === row.rid && twin.k.equals(row.k)) {
        i++;
        if (twin.op !== ADD) continue;
      }
      yield row;
    }
    for (; i < pending.length; i++) {
      const r = added(pending[i]!);
      if (r) yield r;
    }
  }

  /** Number of index entries in [lo, hi): a document count when the index is not multikey. */
  countRange(ix: IndexState, lo: Buffer, hi: Buffer): number {
    return ix.countRange(lo, hi);
  }

  /** The `n` oldest documents (lowest rids): what a capped collection drops first. */
  oldest(n: number): StoredDoc[] {
    return this.db
      .prepare<[number], { rid: number; doc: Buffer }>(`SELECT rid, doc FROM ${this.table} ORDER BY rid LIMIT ?`)
      .all(n)
      .map((r) => ({ rid: r.rid, doc: CollectionStore.decode(r.doc) }));
  }

  /** Bytes of all stored documents (capped collections' `size`). */
  totalBytes(): number {
    return this.size().bytes;
  }

  count(): number {
    return this.size().n;
  }

  /**
   * Documents and their bytes, kept by triggers in the transaction of every change (so a rolled
   * back write never counts). A collection from before the triggers is counted once, here.
   */
  private size(): { n: number; bytes: number } {
    const kept = this.stmts.size.get(this.table);
    if (kept) return kept;
    this.db
      .prepare(`INSERT INTO collection_sizes (tbl, n, bytes) SELECT ?, COUNT(*), COALESCE(SUM(length(doc)), 0) FROM ${this.table}`)
      .run(this.table);
    return this.stmts.size.get(this.table)!;
  }
}

/**
 * Triggers that keep a collection table's document count and bytes in `collection_sizes`: a
 * count or collStats answers at once instead of reading every document (minutes at 10,000,000,
 * with every other request waiting). An empty table starts at zero; an existing one without a
 * row is counted on first use (see CollectionStore.size).
 */
function keepSizes(db: Database.Database, table: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS collection_sizes (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID`);
  const set = (change: string) => `UPDATE collection_sizes SET ${change} WHERE tbl = '${table}';`;
  db.exec(`CREATE TRIGGER IF NOT EXISTS ${table}_size_ins AFTER INSERT ON ${table} BEGIN ${set('n = n + 1, bytes = bytes + length(NEW.doc)')} END`);
  db.exec(`CREATE TRIGGER IF NOT EXISTS ${table}_size_del AFTER DELETE ON ${table} BEGIN ${set('n = n - 1, bytes = bytes - length(OLD.doc)')} END`);
  db.exec(
    `CREATE TRIGGER IF NOT EXISTS ${table}_size_upd AFTER UPDATE OF doc ON ${table} BEGIN ${set('bytes = bytes + length(NEW.doc) - length(OLD.doc)')} END`,
  );
  const empty = db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() === undefined;
  // A table id used before (a dropped collection's) must not inherit its numbers.
  if (empty) db.prepare('INSERT OR REPLACE INTO collection_sizes (tbl, n, bytes) VALUES (?, 0, 0)').run(table);
}
