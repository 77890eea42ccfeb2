import type Database from 'better-sqlite3';
import { serialize, type Document } from 'bson';
import { describeTopLevel, describeUpdate } from '../changeStreams/updateDescription.js';
import { isOperatorUpdate } from '../update/applyUpdate.js';
import type { ChangeRecorder, CollectionStore, ReplaceInfo } from './collection.js';
import { OplogClock, type OpTime } from './oplogClock.js';
import { OplogHistory } from './oplogHistory.js';

/** i(nsert), u(pdate), r(eplace), d(elete), c(ommand: drop, rename, dropDatabase). */
export type OplogOp = 'i' | 'u' | 'r' | 'd' | 'c';

/** One stored change. `seq` orders entries; (t, i) is its cluster time, increasing with seq. */
export interface OplogEntry extends OpTime {
  seq: number;
  wall: number;
  db: string;
  coll: string | null;
  op: OplogOp;
  body: Buffer;
  pre: Buffer | null;
  post: Buffer | null;
  /** A committed transaction's `{ lsid, txnNumber }` (BSON), stamped on each of its entries. */
  txn: Buffer | null;
}

/** What a change stream reads: one collection, one database, or everything. */
export interface StreamScope {
  db?: string;
  coll?: string;
  /** With `db` alone: only these collections' document entries can matter (and commands). */
  colls?: ReadonlySet<string> | null;
}

/** A command entry's body: what happened to the namespace in the entry's db/coll. */
export type CommandBody = { drop: 1 } | { dropDatabase: 1 } | { renameTo: { db: string; coll: string }; dropTarget: boolean };

/** Listeners hear, after each commit, which namespaces (`db.coll`, and `db`) got new entries. */
export type CommitListener = (namespaces: ReadonlySet<string>) => void;

// Bytes an entry costs beyond its BLOBs (row header, seq, times, names), for size-based trimming.
const ROW_OVERHEAD = 64;
/** What an entry counts for in size-based trimming (the SQLite oplog and the in-memory tail alike). */
const entryBytes = (e: { body: Buffer; pre?: Buffer | null; post?: Buffer | null }) =>
  e.body.length + (e.pre?.length ?? 0) + (e.post?.length ?? 0) + ROW_OVERHEAD;
// Commands can touch streams on other namespaces (a rename's target): streams check this key too.
export const COMMANDS_KEY = '\0commands';

const COLUMNS = 'seq, t, i, wall, db, coll, op, body, pre, post, txn';
// The newest entries kept in memory too (see `recent`): enough for streams that keep up, bounded in bytes.
const RECENT_ENTRIES = 1024;
const RECENT_BYTES = 8 * 1024 * 1024;

/**
 * The change log behind change streams: one row per document change, written by the storage
 * layer inside the same SQLite transaction as the change itself, so an acknowledged write's event
 * is exactly as durable as the write. Trimming (size and age) lives in oplogTrim.ts.
 */
export class Oplog implements ChangeRecorder {
  readonly clock: OplogClock;
  readonly history: OplogHistory;
  /** Highest seq written, committed or not, and its time. */
  private lastSeq: number;
  private lastTime: OpTime;
  /** Highest committed seq and its time: what readers may see and what high-water tokens name. */
  committedSeq: number;
  committedTime: OpTime;
  /** Running byte offset of the log, stored per row so the retained size is last.pos - first.pos. */
  private pos: number;
  /** Last seq that touched each namespace key (`db.coll`, `db`, COMMANDS_KEY), since startup. */
  private readonly lastSeqByKey = new Map<string, number>();
  /** Seq of the last entry when this process opened the log: before it, lastSeqByKey knows nothing. */
  readonly knownSince: number;
  private dirty = new Set<string>();
  private notifyScheduled = false;
  private readonly listeners: CommitListener[] = [];
  private readonly stmts;
  /**
   * The newest entries, in seq order, as written (committed or not: readers stop at committedSeq).
   * A stream that keeps up reads its next entries here instead of selecting them back from SQLite
   * right after writing them: each write woke every stream on its namespace for one such read.
   */
  private recent: OplogEntry[] = [];
  private recentBytes = 0;
  /** While a multi-document transaction runs its commands: its `{ lsid, txnNumber }`, stamped on each entry. */
  transactionTag: Buffer | null = null;

  constructor(readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS oplog (
        seq INTEGER PRIMARY KEY, t INTEGER NOT NULL, i INTEGER NOT NULL, wall INTEGER NOT NULL, pos INTEGER NOT NULL,
        db TEXT NOT NULL, coll TEXT, op TEXT NOT NULL, body BLOB NOT NULL, pre BLOB, post BLOB);
      CREATE TABLE IF NOT EXISTS oplog_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `);
    // Added with transactions: a data directory from before gets the column (null for its rows).
    if (!db.prepare<[], { name: string }>('PRAGMA table_info(oplog)').all().some((c) => c.name === 'txn')) {
      db.exec('ALTER TABLE oplog ADD COLUMN txn BLOB');
    }
    this.history = new OplogHistory(db);
    this.stmts = {
      insert: db.prepare<[number, number, number, number, string, string | null, OplogOp, Buffer, Buffer | null, Buffer | null, Buffer | null, number], void>(
        `INSERT INTO oplog (${COLUMNS}, pos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      last: db.prepare<[], { seq: number; t: number; i: number; pos: number }>('SELECT seq, t, i, pos FROM oplog ORDER BY seq DESC LIMIT 1'),
      at: db.prepare<[number], OplogEntry>(`SELECT ${COLUMNS} FROM oplog WHERE seq = ?`),
      all: db.prepare<[number, number, number], OplogEntry>(`SELECT ${COLUMNS} FROM oplog WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`),
      inDb: db.prepare<[number, number, string, number], OplogEntry>(
        `SELECT ${COLUMNS} FROM oplog WHERE seq > ? AND seq <= ? AND (db = ? OR op = 'c') ORDER BY seq LIMIT ?`,
      ),
      inColl: db.prepare<[number, number, string, string, number], OplogEntry>(
        `SELECT ${COLUMNS} FROM oplog WHERE seq > ? AND seq <= ? AND ((db = ? AND coll = ?) OR op = 'c') ORDER BY seq LIMIT ?`,
      ),
      // The collections as a JSON array: one statement for any number of them.
      inColls: db.prepare<[number, number, string, string, number], OplogEntry>(
        `SELECT ${COLUMNS} FROM oplog WHERE seq > ? AND seq <= ? AND ((db = ? AND coll IN (SELECT value FROM json_each(?))) OR op = 'c') ORDER BY seq LIMIT ?`,
      ),
    };
    const last = this.stmts.last.get();
    this.lastSeq = this.committedSeq = this.knownSince = last?.seq ?? 0;
    this.pos = last?.pos ?? 0;
    this.clock = new OplogClock(last);
    this.committedTime = this.lastTime = this.clock.current();
  }

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** Appends one entry; the caller's transaction decides whether it lasts. */
  append(db: string, coll: string | null, op: OplogOp, body: Buffer, pre: Buffer | null = null, post: Buffer | null = null): void {
    const time = this.clock.tick();
    const { t, i } = time;
    const seq = ++this.lastSeq;
    this.lastTime = time;
    this.pos += entryBytes({ body, pre, post });
    const wall = Date.now();
    const txn = this.transactionTag;
    this.stmts.insert.run(seq, t, i, wall, db, coll, op, body, pre, post, txn, this.pos);
    this.remember({ seq, t, i, wall, db, coll, op, body, pre, post, txn });
    const nsKey = coll === null ? db : `${db}.${coll}`;
    this.touch(nsKey, seq);
    if (coll !== null) this.touch(db, seq);
    if (op === 'c') this.touch(COMMANDS_KEY, seq);
    if (!this.db.inTransaction) this.committed();
  }

  /** A command entry; a rename also marks its target namespace so watchers there wake. */
  appendCommand(db: string, coll: string | null, body: CommandBody): void {
    this.append(db, coll, 'c', Buffer.from(serialize(body)));
    if ('renameTo' in body) {
      this.touch(`${body.renameTo.db}.${body.renameTo.coll}`, this.lastSeq);
      this.touch(body.renameTo.db, this.lastSeq);
    }
  }

  private touch(key: string, seq: number): void {
    this.lastSeqByKey.set(key, seq);
    this.dirty.add(key);
  }

  /** Called by the store once a transaction commits: entries become visible and watchers wake. */
  committed(): void {
    // The time of the newest committed entry (not the clock: a rolled-back write may have ticked it).
    if (this.lastSeq !== this.committedSeq) {
      this.committedSeq = this.lastSeq;
      this.committedTime = this.lastTime;
    }
    if (this.dirty.size === 0 || this.notifyScheduled) return;
    this.notifyScheduled = true;
    // After the writer's reply is on its way: woken cursors answer their own clients.
    queueMicrotask(() => {
      this.notifyScheduled = false;
      const namespaces = this.dirty;
      this.dirty = new Set();
      for (const l of this.listeners) l(namespaces);
    });
  }

  private remember(entry: OplogEntry): void {
    this.recent.push(entry);
    this.recentBytes += entryBytes(entry);
    // Dropped from the front in chunks (a shift per write would copy the array each time).
    if (this.recent.length > 2 * RECENT_ENTRIES || this.recentBytes > RECENT_BYTES) {
      let keep = Math.min(this.recent.length, RECENT_ENTRIES);
      let bytes = 0;
      for (let k = this.recent.length - 1; k >= this.recent.length - keep; k--) {
        const e = this.recent[k]!;
        bytes += entryBytes(e);
        if (bytes > RECENT_BYTES / 2) {
          keep = this.recent.length - 1 - k;
          bytes -= entryBytes(e);
          break;
        }
      }
      this.recent = this.recent.slice(this.recent.length - keep);
      this.recentBytes = bytes;
    }
  }

  /** Called by the store when a transaction rolls back: its entries never existed. */
  rolledBack(): void {
    let keep = this.recent.length;
    while (keep > 0 && this.recent[keep - 1]!.seq > this.committedSeq) keep--;
    if (keep < this.recent.length) {
      for (const e of this.recent.slice(keep)) this.recentBytes -= entryBytes(e);
      this.recent.length = keep;
    }
    this.lastSeq = this.committedSeq;
    this.lastTime = this.committedTime;
    if (!this.notifyScheduled) this.dirty.clear();
  }

  /** Whether anything a stream with this scope could see was written after `seq`. */
  changedSince(scope: StreamScope, seq: number): boolean {
    if (seq < this.knownSince) return true;
    if (scope.db === undefined) return this.committedSeq > seq;
    if (scope.coll === undefined && scope.colls) {
      for (const coll of scope.colls) if ((this.lastSeqByKey.get(`${scope.db}.${coll}`) ?? 0) > seq) return true;
      return (this.lastSeqByKey.get(COMMANDS_KEY) ?? 0) > seq;
    }
    const key = scope.coll === undefined ? scope.db : `${scope.db}.${scope.coll}`;
    return (this.lastSeqByKey.get(key) ?? 0) > seq || (this.lastSeqByKey.get(COMMANDS_KEY) ?? 0) > seq;
  }

  /** Committed entries in (after, upto] a scope may concern (commands always come: a rename's target may be elsewhere). */
  read(scope: StreamScope, after: number, upto: number, limit: number): OplogEntry[] {
    upto = Math.min(upto, this.committedSeq);
    const first = this.recent[0];
    if (first && first.seq <= after + 1) return this.readRecent(scope, after, upto, limit);
    if (scope.db === undefined) return this.stmts.all.all(after, upto, limit);
    if (scope.coll === undefined && scope.colls) return this.stmts.inColls.all(after, upto, scope.db, JSON.stringify([...scope.colls]), limit);
    if (scope.coll === undefined) return this.stmts.inDb.all(after, upto, scope.db, limit);
    return this.stmts.inColl.all(after, upto, scope.db, scope.coll, limit);
  }

  /** `read` from the in-memory tail, which holds every entry after `after`: the same rows, in the same order. */
  private readRecent(scope: StreamScope, after: number, upto: number, limit: number): OplogEntry[] {
    const out: OplogEntry[] = [];
    const recent = this.recent;
    // Seqs are consecutive in the tail: the entry after `after` is at a known index.
    for (let k = Math.max(0, after + 1 - recent[0]!.seq); k < recent.length && out.length < limit; k++) {
      const e = recent[k]!;
      if (e.seq > upto) break;
      if (e.seq <= after) continue;
      if (e.op === 'c' || scope.db === undefined) out.push(e);
      else if (e.db !== scope.db) continue;
      else if (scope.coll !== undefined ? e.coll === scope.coll : !scope.colls || (e.coll !== null && scope.colls.has(e.coll))) out.push(e);
    }
    return out;
  }

  entry(seq: number): OplogEntry | undefined {
    return this.stmts.at.get(seq);
  }

  // --- ChangeRecorder: the storage layer reports every document change here ---

  inserted(coll: CollectionStore, _doc: Document, bytes: Buffer): void {
    this.append(coll.dbName, coll.name, 'i', bytes);
  }

  replaced(coll: CollectionStore, before: Document, after: Document, bytes: Buffer, how: ReplaceInfo): void {
    const images = imagesEnabled(coll.options);
    const pre = images ? Buffer.from(serialize(before)) : null;
    const u = how.update;
    if (u === undefined || (!Array.isArray(u) && !isOperatorUpdate(u))) {
      this.append(coll.dbName, coll.name, 'r', bytes, pre);
      return;
    }
    const d = how.description ?? (how.changed ? describeTopLevel(after, how.changed) : describeUpdate(before, after, u));
    const body = serialize({ k: after._id as unknown, u: d.updatedFields, r: d.removedFields, t: d.truncatedArrays });
    this.append(coll.dbName, coll.name, 'u', Buffer.from(body), pre, images ? bytes : null);
  }

  removed(coll: CollectionStore, doc: Document): void {
    const pre = imagesEnabled(coll.options) ? Buffer.from(serialize(doc)) : null;
    this.append(coll.dbName, coll.name, 'd', Buffer.from(serialize({ k: doc._id as unknown })), pre);
  }
}

/** `changeStreamPreAndPostImages: { enabled: true }` (create/collMod) keeps images in the log. */
export function imagesEnabled(options: Document): boolean {
  const o = options.changeStreamPreAndPostImages as { enabled?: unknown } | undefined;
  return o?.enabled === true;
}
