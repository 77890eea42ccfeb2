import type Database from 'better-sqlite3';

/** A pending change to one index entry: the (key, rid) pair is present (ADD) or absent (DEL). */
export const ADD = 1;
export const DEL = 0;
export type PendingOp = typeof ADD | typeof DEL;

export interface PendingEntry {
  k: Buffer;
  rid: number;
  op: PendingOp;
  /** The table certainly lacks the pair (it came with a document whose rid the table never had): no need to look. */
  fresh: boolean;
}

/** How a fresh ADD is stored in the table's op column. */
const ADD_FRESH = 2;

/**
 * memcmp order of two keys, as SQLite orders BLOBs. A loop in JS: index keys are short, and a
 * merge sorts thousands of them, where `Buffer.compare`'s call into C++ cost 2–4× as much.
 */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  // Long keys (a long string indexed) may share a long prefix: native memcmp is faster there.
  if (n > 64) return Buffer.compare(a, b);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** SQLite's order of a (k BLOB, rid INTEGER) primary key: memcmp on the key, then the rid. */
export function compareEntry(k1: Buffer, rid1: number, k2: Buffer, rid2: number): number {
  return compareKeys(k1, k2) || rid1 - rid2;
}

/**
 * One index's pending changes, sorted like the index table. An entry says what the pair is now,
 * whatever the table holds: ADD may duplicate a row already there, DEL may name one that is not —
 * readers merge the two (see CollectionStore.indexRange), so no write has to look the table up.
 */
export class KeyBuffer {
  private sorted: PendingEntry[] = [];
  /** Changes since the last read, in write order: sorted into `sorted` once per read, not once per key. */
  private tail: PendingEntry[] = [];
  /** The highest rid of any entry (a rid the table may hold keys of though its document is gone). */
  maxRid = 0;

  /** The entries, sorted and one per pair (the latest change). */
  get entries(): readonly PendingEntry[] {
    if (this.tail.length > 0) this.fold();
    return this.sorted;
  }

  /** Entries held, counting a pair changed twice since the last read twice: zero means none. */
  get size(): number {
    return this.sorted.length + this.tail.length;
  }

  set(k: Buffer, rid: number, op: PendingOp, fresh: boolean): void {
    this.tail.push({ k, rid, op, fresh });
    if (rid > this.maxRid) this.maxRid = rid;
  }

  clear(): void {
    this.sorted = [];
    this.tail = [];
    this.maxRid = 0;
  }

  /** The entries with keys in [lo, hi), in key order: a copy, so writes during a scan cannot move it. */
  range(lo: Buffer, hi: Buffer): PendingEntry[] {
    const all = this.entries;
    return all.slice(lowerBound(all, lo), lowerBound(all, hi));
  }

  /** Merges the tail into the sorted entries; for a pair in both, the tail's (later) change wins. */
  private fold(): void {
    // A stable sort keeps a pair's changes in write order, so the last of equals is the latest.
    const tail = this.tail.sort((a, b) => compareEntry(a.k, a.rid, b.k, b.rid));
    this.tail = [];
    const old = this.sorted;
    const out: PendingEntry[] = [];
    let i = 0;
    for (let j = 0; j < tail.length; j++) {
      const t = tail[j]!;
      const n = tail[j + 1];
      if (n && n.rid === t.rid && n.k.equals(t.k)) continue;
      while (i < old.length && compareEntry(old[i]!.k, old[i]!.rid, t.k, t.rid) < 0)
        out.push(old[i++]!);
      if (i < old.length && old[i]!.rid === t.rid && old[i]!.k.equals(t.k)) i++;
      out.push(t);
    }
    while (i < old.length) out.push(old[i++]!);
    this.sorted = out;
  }
}

/** Index of the first entry whose key is ≥ `k`. */
function lowerBound(entries: readonly PendingEntry[], k: Buffer): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(entries[mid]!.k, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Index entries written first to an append-only table and merged into the index tables in sorted
 * batches. An insert into a B-tree at a random key (a search word, a uuid) dirties a page of its
 * own, and SQLite writes every dirty page to the WAL at commit — ~120 pages, two write() calls
 * each, for an audit entry with 1 KiB of arguments (most of the store's CPU per insert). Appended
 * rows share one or two pages; a merge later writes each touched index page once for the whole
 * batch. The pending rows commit in the same transaction as the document, so nothing acknowledged
 * is lost; the in-memory buffers are rebuilt from them whenever the catalog is (start, rollback).
 */
export class PendingKeys {
  private readonly buffers = new Map<number, KeyBuffer>();
  private readonly append: Database.Statement<[number, Buffer, number, number]>;
  /** Rows the buffers hold (a row carries one document's changed keys of one index). */
  private keys = 0;

  /**
   * `onFull` is called (inside the writing transaction) once `limit` keys are buffered: a large
   * insertMany or an update of many documents merges as it goes instead of holding every key.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly limit: number,
    private readonly onFull: () => void,
  ) {
    // keys: the changed keys, each as a 4-byte length and its bytes (one row per document and index).
    db.exec(`CREATE TABLE IF NOT EXISTS index_pending (
      seq INTEGER PRIMARY KEY, ix INTEGER NOT NULL, keys BLOB NOT NULL, rid INTEGER NOT NULL, op INTEGER NOT NULL)`);
    this.append = db.prepare('INSERT INTO index_pending (ix, keys, rid, op) VALUES (?, ?, ?, ?)');
  }

  /** Keys changed since the last merge (what a merge would apply). */
  get pending(): number {
    return this.keys;
  }

  buffer(ix: number): KeyBuffer {
    let b = this.buffers.get(ix);
    if (!b) this.buffers.set(ix, (b = new KeyBuffer()));
    return b;
  }

  record(ix: number, keys: readonly Buffer[], rid: number, op: PendingOp, fresh = false): void {
    if (keys.length === 0) return;
    this.append.run(ix, packKeys(keys), rid, fresh && op === ADD ? ADD_FRESH : op);
    const b = this.buffer(ix);
    for (const k of keys) b.set(k, rid, op, fresh && op === ADD);
    this.keys += keys.length;
    if (this.keys >= this.limit) this.onFull();
  }

  /** Rebuilds the buffers from the table (replayed in write order: the last change to a pair wins). */
  load(): void {
    for (const b of this.buffers.values()) b.clear();
    this.keys = 0;
    const all = this.db.prepare<[], { ix: number; keys: Buffer; rid: number; op: number }>(
      'SELECT ix, keys, rid, op FROM index_pending ORDER BY seq',
    );
    for (const r of all.iterate()) {
      const b = this.buffer(r.ix);
      const keys = unpackKeys(r.keys);
      for (const k of keys) b.set(k, r.rid, r.op === DEL ? DEL : ADD, r.op === ADD_FRESH);
      this.keys += keys.length;
    }
  }

  /**
   * Applies every buffered change to its index table through `apply` (sorted, so neighbouring
   * keys share pages) and empties the table and the buffers. Call inside a transaction.
   */
  drain(apply: (ix: number, entries: readonly PendingEntry[]) => void): void {
    for (const [ix, b] of this.buffers) {
      if (b.size > 0) apply(ix, b.entries);
    }
    this.db.exec('DELETE FROM index_pending');
    for (const b of this.buffers.values()) b.clear();
    this.keys = 0;
  }

  /** A dropped index's pending changes go with it (index ids can be reused). */
  forget(ix: number): void {
    this.db.prepare('DELETE FROM index_pending WHERE ix = ?').run(ix);
    this.buffers.delete(ix);
  }
}

function packKeys(keys: readonly Buffer[]): Buffer {
  let size = 0;
  for (const k of keys) size += 4 + k.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const k of keys) {
    at = out.writeUInt32LE(k.length, at);
    at += k.copy(out, at);
  }
  return out;
}

function unpackKeys(packed: Buffer): Buffer[] {
  const keys: Buffer[] = [];
  for (let at = 0; at < packed.length;) {
    const n = packed.readUInt32LE(at);
    keys.push(Buffer.from(packed.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  return keys;
}
