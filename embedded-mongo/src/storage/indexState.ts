import type Database from 'better-sqlite3';
import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { compileFilter } from '../query/matcher.js';
import { derivedIndexFor, type DerivedIndex } from './derivedIndex.js';
import { documentKeys, makeKeyer, type IndexKeyer, type IndexSpec } from './indexKeys.js';
import { ADD, DEL, type KeyBuffer, type PendingEntry, type PendingKeys } from './pendingKeys.js';

type DocKeys = ReturnType<typeof documentKeys>;

/** Rows per INSERT when buffered entries are merged (one statement call per chunk, not per key). */
const MERGE_ROWS = 128;

/** How one index's entries change when a document is rewritten. */
export interface KeyChange {
  index: IndexState;
  removed: Buffer[];
  added: DocKeys;
  /** For a derived (text, geo) index: the document before and after. */
  docs?: { before: Document; after: Document };
}

/** One index: its definition plus the SQLite table holding (encoded key, rid) pairs. */
export class IndexState {
  readonly keyer: IndexKeyer;
  readonly table: string;
  /** Text and geo indexes keep their own tables; ordinary indexes have none of this. */
  readonly derived: DerivedIndex | undefined;
  private readonly insertKey!: Database.Statement;
  private readonly deleteKeys!: Database.Statement;
  private readonly findOther!: Database.Statement<[Buffer, number], { rid: number }>;
  private readonly countKeys!: Database.Statement<[Buffer, Buffer], { n: number }>;
  private readonly countKeysUpTo!: Database.Statement<[Buffer, Buffer, number], { n: number }>;
  private insertChunk: Database.Statement<unknown[]> | undefined;
  private readonly hasKey!: Database.Statement<[Buffer, number], { one: number }>;
  /**
   * Changes not yet merged into the table, for indexes that take them (not unique ones: their
   * checks read the table; nor text or geo indexes). Undefined: every write goes to the table.
   */
  readonly buffer: KeyBuffer | undefined = undefined;

  constructor(
    private readonly db: Database.Database,
    readonly id: number,
    readonly spec: IndexSpec,
    /**
     * The catalog's `multikey` column: 0 not multikey; 1 multikey on fields not recorded (stores
     * written before fields were); otherwise `(mask << 1) | 1`, bit i of mask = field i.
     */
    private multikeyState: number,
    private readonly pending?: PendingKeys,
  ) {
    this.table = `ix${id}`;
    this.keyer = makeKeyer(spec, spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression) : undefined);
    this.derived = derivedIndexFor(db, this.table, spec);
    if (this.derived) return;
    db.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (k BLOB NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (k, rid)) WITHOUT ROWID`);
    this.insertKey = db.prepare(`INSERT OR IGNORE INTO ${this.table} (k, rid) VALUES (?, ?)`);
    this.deleteKeys = db.prepare(`DELETE FROM ${this.table} WHERE rid = ? AND k = ?`);
    this.findOther = db.prepare(`SELECT rid FROM ${this.table} WHERE k = ? AND rid != ? LIMIT 1`);
    this.countKeys = db.prepare(`SELECT COUNT(*) AS n FROM ${this.table} WHERE k >= ? AND k < ?`);
    this.countKeysUpTo = db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${this.table} WHERE k >= ? AND k < ? LIMIT ?)`);
    this.hasKey = db.prepare(`SELECT 1 AS one FROM ${this.table} WHERE k = ? AND rid = ?`);
    this.buffer = pending && !this.unique ? pending.buffer(id) : undefined;
  }

  get multikey(): boolean {
    return this.multikeyState !== 0;
  }

  /** Whether field `i` of the key may hold several values per document (all, when not recorded). */
  fieldIsMultikey(i: number): boolean {
    if (this.multikeyState === 0) return false;
    return this.multikeyState === 1 || ((this.multikeyState >> 1) & (1 << i)) !== 0;
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

  /**
   * `fresh`: the document's rid is new to the collection, so neither the table nor the buffer
   * holds keys for it yet; `direct` (with fresh): write them to the table, not the buffer.
   */
  add(doc: Document, rid: number, computed?: DocKeys, fresh = false, direct = false): void {
    if (this.derived) return this.derived.add(doc, rid);
    const { keys, multikeyFields } = computed ?? this.keysOf(doc);
    this.noteMultikey(multikeyFields);
    if (fresh && direct) for (const k of keys) this.insertKey.run(k, rid);
    else this.insertEntries(keys, rid, fresh);
  }

  /** Adds a document's keys straight to the table (an index build: millions of keys, one transaction). */
  build(doc: Document, rid: number): void {
    // The new index's table and buffer are empty, so every document is fresh to it.
    this.add(doc, rid, undefined, true, true);
  }

  private insertEntries(keys: readonly Buffer[], rid: number, fresh = false): void {
    if (this.buffer) this.pending!.record(this.id, keys, rid, ADD, fresh);
    else for (const k of keys) this.insertKey.run(k, rid);
  }

  private deleteEntries(keys: readonly Buffer[], rid: number): void {
    if (this.buffer) this.pending!.record(this.id, keys, rid, DEL);
    else for (const k of keys) this.deleteKeys.run(rid, k);
  }

  /** Writes buffered changes to the table (PendingKeys.drain), in key order, MERGE_ROWS per statement. */
  merge(entries: readonly PendingEntry[]): void {
    const added: unknown[] = [];
    for (const e of entries) {
      if (e.op === ADD) added.push(e.k, e.rid);
      else this.deleteKeys.run(e.rid, e.k);
    }
    const full = MERGE_ROWS * 2;
    let at = 0;
    if (added.length >= full) {
      this.insertChunk ??= this.db.prepare(`INSERT OR IGNORE INTO ${this.table} (k, rid) VALUES ${'(?, ?), '.repeat(MERGE_ROWS - 1)}(?, ?)`);
      for (; at + full <= added.length; at += full) this.insertChunk.run(added.slice(at, at + full));
    }
    for (; at < added.length; at += 2) this.insertKey.run(added[at], added[at + 1]);
  }

  /** Whether the table itself holds (k, rid), whatever is buffered. */
  stored(k: Buffer, rid: number): boolean {
    return this.hasKey.get(k, rid) !== undefined;
  }

  private noteMultikey(fields: number): void {
    if (fields === 0 || this.multikeyState === 1) return;
    const next = this.multikeyState | (fields << 1) | 1;
    if (next === this.multikeyState) return;
    this.multikeyState = next;
    this.db.prepare('UPDATE catalog_indexes SET multikey = ? WHERE id = ?').run(next, this.id);
  }

  /** Number of entries with keys in [lo, hi). */
  countRange(lo: Buffer, hi: Buffer): number {
    let n = this.countKeys.get(lo, hi)?.n ?? 0;
    // Buffered changes count where they differ from the table: an ADD of a pair it lacks, a DEL of one it has.
    for (const e of this.buffer?.range(lo, hi) ?? []) {
      const inTable = !e.fresh && this.stored(e.k, e.rid);
      if (e.op === ADD && !inTable) n++;
      else if (e.op === DEL && inTable) n--;
    }
    return n;
  }

  /**
   * About how many entries have keys in [lo, hi), reading at most `cap` of the table's: what the
   * planner weighs candidate indexes by. Buffered additions count, buffered removals don't (an
   * estimate: a removal rarely changes which index is cheaper).
   */
  estimateRange(lo: Buffer, hi: Buffer, cap: number): number {
    const n = this.countKeysUpTo.get(lo, hi, cap)?.n ?? 0;
    return n + (this.buffer?.range(lo, hi).length ?? 0);
  }

  /** Whether a change to these top-level fields can change this index's keys. */
  touchedBy(fields: ReadonlySet<string>): boolean {
    if (this.derived) return this.derived.touchedBy(fields);
    // A partial index's membership depends on its filter's fields too.
    return this.keyer.partial !== undefined || this.keyer.fields.some((path) => fields.has(path[0]!));
  }

  /**
   * The entries to delete and insert when a document changes: keys present in both versions stay
   * (an update that leaves an index's fields alone costs no index writes). Throws 11000 before
   * anything is written when an added key is taken by another document.
   */
  diff(ns: string, rid: number, oldDoc: Document, newDoc: Document): KeyChange | undefined {
    if (this.derived) return { index: this, removed: [], added: { keys: [], values: [], multikey: false, multikeyFields: 0 }, docs: { before: oldDoc, after: newDoc } };
    const before = this.keysOf(oldDoc).keys;
    const after = this.keysOf(newDoc);
    // A document becoming multikey must flag the index even when its keys stay the same.
    const flag = this.multikeyState !== 1 && ((this.multikeyState | (after.multikeyFields << 1)) >> 1) !== this.multikeyState >> 1;
    if (!flag && before.length === 1 && after.keys.length === 1 && before[0]!.equals(after.keys[0]!)) return undefined;
    const old = new Set(before.map((k) => k.toString('latin1')));
    const now = new Set(after.keys.map((k) => k.toString('latin1')));
    const removed = before.filter((k) => !now.has(k.toString('latin1')));
    const added: DocKeys = { keys: [], values: [], multikey: after.multikey, multikeyFields: after.multikeyFields };
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
    if (change.docs) return this.derived?.update(change.docs.before, change.docs.after, rid);
    this.deleteEntries(change.removed, rid);
    this.noteMultikey(change.added.multikeyFields);
    this.insertEntries(change.added.keys, rid);
  }

  remove(doc: Document, rid: number): void {
    if (this.derived) return this.derived.remove(rid);
    this.deleteEntries(this.keysOf(doc).keys, rid);
  }
}
