import Database from 'better-sqlite3';
import { deserialize, serialize, type Document } from 'bson';
import { mongoError } from '../errors.js';
import { CollectionStore } from './collection.js';
import { IndexState } from './indexState.js';
import type { IndexSpec } from './indexKeys.js';
import { Oplog } from './oplog.js';
import { PendingKeys } from './pendingKeys.js';
import { RetryableWrites } from './retryableWrites.js';

/**
 * Buffered index entries that start a merge: larger batches share more pages (the merge writes a
 * page once however many of its keys changed) but make each merge a longer pause.
 */
const MERGE_AT = 4096;
/** At most this long before buffered entries are merged when fewer have gathered. */
const MERGE_IDLE_MS = 500;

/** Documents decoded at a time while an index is built over existing ones. */
const BUILD_PAGE = 1000;

interface CollectionRow {
  id: number;
  db: string;
  name: string;
  options: Buffer;
}

interface IndexRow {
  id: number;
  coll_id: number;
  spec: Buffer;
  multikey: number;
}

/**
 * The catalog of databases, collections and indexes over one SQLite file. SQLite gives us
 * atomic, durable transactions (WAL mode), so each write command runs inside `transaction()`.
 */
export class Store {
  readonly db: Database.Database;
  /** Every document change, for change streams; written in the same transaction as the change. */
  readonly oplog: Oplog;
  readonly retryableWrites: RetryableWrites;
  /** Index entries waiting to be merged into their tables (see PendingKeys). */
  readonly pending: PendingKeys;
  private readonly collections = new Map<string, CollectionStore>();
  private mergeTimer: NodeJS.Timeout | undefined;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (SIGKILL); only power loss could drop the tail.
    this.db.pragma('synchronous = NORMAL');
    // A 64 MiB page cache keeps index B-tree inserts in memory for million-document collections.
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    // Fewer, larger checkpoints: each one stalls the (single) event loop while it copies pages.
    this.db.pragma('wal_autocheckpoint = 10000');
    // Reads through a memory map instead of a read() call per page: index lookups touch many pages.
    this.db.pragma('mmap_size = 268435456');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS catalog_collections (
        id INTEGER PRIMARY KEY, db TEXT NOT NULL, name TEXT NOT NULL, options BLOB NOT NULL, UNIQUE (db, name));
      CREATE TABLE IF NOT EXISTS catalog_indexes (
        id INTEGER PRIMARY KEY, coll_id INTEGER NOT NULL, name TEXT NOT NULL, spec BLOB NOT NULL,
        multikey INTEGER NOT NULL DEFAULT 0, UNIQUE (coll_id, name));
      CREATE TABLE IF NOT EXISTS catalog_databases (name TEXT PRIMARY KEY);
    `);
    this.oplog = new Oplog(this.db);
    this.retryableWrites = new RetryableWrites(this.db);
    this.pending = new PendingKeys(this.db, MERGE_AT * 4, () => this.drainPending());
    this.loadCatalog();
  }

  /**
   * A multi-document transaction holds the SQLite transaction open across its commands: every
   * write it makes goes through `transaction()`, which then runs inside it (see
   * commands/transactions.ts). Nothing else may write while it is open.
   */
  get held(): boolean {
    return this.heldOpen;
  }
  private heldOpen = false;

  beginHeld(): void {
    this.db.exec('BEGIN');
    this.heldOpen = true;
  }

  /** Commits the held transaction: its oplog entries become visible to change streams at once. */
  commitHeld(): void {
    this.heldOpen = false;
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      this.heldOpen = true;
      this.rollbackHeld();
      throw err;
    }
    this.oplog.committed();
    if (this.pending.pending > 0) this.scheduleMerge();
  }

  /** Rolls the held transaction back, with the in-memory catalog, buffered index keys and oplog tail. */
  rollbackHeld(): void {
    if (!this.heldOpen) return;
    this.heldOpen = false;
    if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.oplog.rolledBack();
    if (this.db.open) this.loadCatalog();
  }

  private loadCatalog(): void {
    this.collections.clear();
    // What the table holds is what committed: a rollback also undoes buffered index changes.
    this.pending.load();
    const rows = this.db.prepare<[], CollectionRow>('SELECT id, db, name, options FROM catalog_collections').all();
    const byId = new Map<number, CollectionStore>();
    for (const r of rows) {
      const coll = new CollectionStore(this.db, r.id, r.db, r.name, deserialize(r.options), this.oplog);
      this.collections.set(`${r.db}.${r.name}`, coll);
      byId.set(r.id, coll);
    }
    const ixRows = this.db.prepare<[], IndexRow>('SELECT id, coll_id, spec, multikey FROM catalog_indexes ORDER BY id').all();
    for (const r of ixRows) {
      const coll = byId.get(r.coll_id);
      const spec = deserialize(r.spec) as IndexSpec;
      if (coll) coll.indexes.set(spec.name, new IndexState(this.db, r.id, spec, r.multikey, this.pending));
    }
  }

  /**
   * Runs `fn` atomically; on failure the in-memory catalog is reloaded to match the rollback.
   * The oplog learns the outcome: committed entries become visible to change streams.
   */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    let result: T;
    try {
      result = this.db.transaction(fn)();
    } catch (err) {
      this.oplog.rolledBack();
      this.loadCatalog();
      throw err;
    }
    this.oplog.committed();
    if (this.pending.pending > 0) this.scheduleMerge();
    return result;
  }

  /**
   * Merges buffered index entries into their tables: soon once MERGE_AT have gathered (after the
   * reply that wrote the last of them has gone out), otherwise within MERGE_IDLE_MS, so the
   * buffers stay small and a restart has little to replay.
   */
  private scheduleMerge(): void {
    if (this.pending.pending >= MERGE_AT) {
      clearTimeout(this.mergeTimer);
      this.mergeTimer = undefined;
      setImmediate(() => this.mergePending());
    } else {
      this.mergeTimer ??= setTimeout(() => {
        this.mergeTimer = undefined;
        this.mergePending();
      }, MERGE_IDLE_MS).unref();
    }
  }

  /** Writes every buffered index entry to its table, in one transaction. */
  mergePending(): void {
    if (this.heldOpen) {
      // After the held transaction ends (commitHeld schedules it again).
      return;
    }
    if (!this.db.open || this.db.inTransaction || this.pending.pending === 0) return;
    try {
      this.transaction(() => this.drainPending());
    } catch {
      // Rolled back (the buffers were reloaded with the catalog); the next commit tries again.
    }
  }

  /** Applies the buffered entries inside the current transaction. */
  private drainPending(): void {
    const byId = new Map<number, IndexState>();
    for (const coll of this.collections.values()) for (const ix of coll.indexes.values()) byId.set(ix.id, ix);
    this.pending.drain((id, entries) => byId.get(id)?.merge(entries));
  }

  getCollection(db: string, name: string): CollectionStore | undefined {
    return this.collections.get(`${db}.${name}`);
  }

  /** Every collection's `db.name`. */
  namespaces(): string[] {
    return [...this.collections.keys()];
  }

  listCollections(db: string): CollectionStore[] {
    return [...this.collections.values()].filter((c) => c.dbName === db);
  }

  databases(): string[] {
    const names = new Set([...this.collections.values()].map((c) => c.dbName));
    return [...names].sort();
  }

  createCollection(db: string, name: string, options: Document = {}): CollectionStore {
    validateNamespace(db, name);
    if (this.getCollection(db, name)) throw mongoError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    const info = this.db
      .prepare('INSERT INTO catalog_collections (db, name, options) VALUES (?, ?, ?)')
      .run(db, name, serialize(options));
    const coll = new CollectionStore(this.db, Number(info.lastInsertRowid), db, name, options, this.oplog);
    this.collections.set(`${db}.${name}`, coll);
    this.createIndex(coll, { v: 2, key: { _id: 1 }, name: '_id_' });
    return coll;
  }

  /** Replaces a collection's options (collMod), durably. */
  setOptions(coll: CollectionStore, options: Document): void {
    this.db.prepare('UPDATE catalog_collections SET options = ? WHERE id = ?').run(serialize(options), coll.id);
    coll.options = options;
  }

  /** Rewrites an index's stored spec (collMod of expireAfterSeconds or hidden). */
  setIndexSpec(coll: CollectionStore, name: string, spec: IndexSpec): void {
    const ix = coll.indexes.get(name)!;
    this.db.prepare('UPDATE catalog_indexes SET spec = ? WHERE id = ?').run(serialize(spec), ix.id);
    Object.assign(ix.spec, spec);
    for (const k of Object.keys(ix.spec)) if (!(k in spec)) delete ix.spec[k];
  }

  /** Implicit creation, as MongoDB does on the first insert or index into a collection. */
  ensureCollection(db: string, name: string): CollectionStore {
    return this.getCollection(db, name) ?? this.createCollection(db, name);
  }

  /** Drops a collection (a 'drop' change event unless `silent`, as when a rename replaces its target). */
  dropCollection(db: string, name: string, silent = false): boolean {
    const coll = this.getCollection(db, name);
    if (!coll) return false;
    for (const ix of coll.indexes.values()) {
      this.db.exec(`DROP TABLE IF EXISTS ${ix.table}`);
      this.pending.forget(ix.id);
    }
    this.db.exec(`DROP TABLE IF EXISTS ${coll.table}`);
    this.db.prepare('DELETE FROM collection_sizes WHERE tbl = ?').run(coll.table);
    this.db.prepare('DELETE FROM catalog_indexes WHERE coll_id = ?').run(coll.id);
    this.db.prepare('DELETE FROM catalog_collections WHERE id = ?').run(coll.id);
    this.collections.delete(`${db}.${name}`);
    if (!silent) this.oplog.appendCommand(db, name, { drop: 1 });
    return true;
  }

  /** Like mongod: a 'drop' event per collection, then 'dropDatabase' (nothing for a database that does not exist). */
  dropDatabase(db: string): void {
    const colls = this.listCollections(db);
    for (const c of colls) this.dropCollection(db, c.name);
    if (colls.length > 0) this.oplog.appendCommand(db, null, { dropDatabase: 1 });
  }

  /** Moves a collection (documents and indexes keep their tables); the caller checked the names. */
  renameCollection(from: CollectionStore, toDb: string, toName: string, dropTarget: boolean): void {
    validateNamespace(toDb, toName);
    if (this.getCollection(toDb, toName)) {
      if (!dropTarget) throw mongoError('NamespaceExists', 'target namespace exists');
      this.dropCollection(toDb, toName, true);
    }
    this.db.prepare('UPDATE catalog_collections SET db = ?, name = ? WHERE id = ?').run(toDb, toName, from.id);
    this.oplog.appendCommand(from.dbName, from.name, { renameTo: { db: toDb, coll: toName }, dropTarget });
    this.loadCatalog();
  }

  /** Adds an index and builds it over existing documents (raising 11000 if unique is violated). */
  createIndex(coll: CollectionStore, spec: IndexSpec): IndexState {
    const info = this.db
      .prepare('INSERT INTO catalog_indexes (coll_id, name, spec) VALUES (?, ?, ?)')
      .run(coll.id, spec.name, serialize(spec));
    const ix = new IndexState(this.db, Number(info.lastInsertRowid), spec, 0, this.pending);
    // Page by page: holding every decoded document at once ran out of memory on large collections.
    for (let after = 0; ; ) {
      const docs = coll.page(after, BUILD_PAGE);
      for (const { rid, doc } of docs) {
        ix.checkUnique(coll.ns, doc, rid);
        ix.build(doc, rid);
      }
      if (docs.length < BUILD_PAGE) break;
      after = docs[docs.length - 1]!.rid;
    }
    coll.indexes.set(spec.name, ix);
    return ix;
  }

  dropIndex(coll: CollectionStore, name: string): void {
    const ix = coll.indexes.get(name);
    if (!ix) throw mongoError('IndexNotFound', `index not found with name [${name}]`);
    this.db.exec(`DROP TABLE IF EXISTS ${ix.table}`);
    this.pending.forget(ix.id);
    this.db.prepare('DELETE FROM catalog_indexes WHERE id = ?').run(ix.id);
    coll.indexes.delete(name);
  }

  /** The buffered index entries merged, then the WAL's committed pages copied into the database file. */
  flush(): void {
    clearTimeout(this.mergeTimer);
    this.mergeTimer = undefined;
    this.mergePending();
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  close(): void {
    clearTimeout(this.mergeTimer);
    // A cleanly closed store leaves nothing buffered (an older version would not know to replay it).
    this.mergePending();
    if (this.db.open) this.db.close();
  }
}

function validateNamespace(db: string, name: string): void {
  if (!db || /[/\\. "$\0]/.test(db)) throw mongoError('InvalidNamespace', `Invalid database name: '${db}'`);
  if (!name || name.includes('$') || name.includes('\0') || name.startsWith('.') || name.startsWith('system.')) {
    throw mongoError('InvalidNamespace', `Invalid collection name: ${name}`);
  }
}
