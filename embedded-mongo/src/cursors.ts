import { calculateObjectSize, Long, type Document } from 'bson';
import { randomBytes } from 'node:crypto';
import { mongoError } from './errors.js';

/** MongoDB caps a reply batch at 16 MiB; we leave headroom for the envelope around it. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024;
const DEFAULT_FIRST_BATCH = 101;

interface OpenCursor {
  ns: string;
  docs: Document[];
  position: number;
  lastUsed: number;
}

export interface Batch {
  id: Long;
  ns: string;
  batch: Document[];
}

/**
 * Server-side cursors. Results are materialised when the cursor opens (SQLite iterators cannot
 * stay open across other statements on the same connection), then handed out batch by batch.
 * Ids are random positive int64s, as drivers require them to be Longs.
 */
export class CursorRegistry {
  private readonly cursors = new Map<string, OpenCursor>();

  constructor(private readonly idleTimeoutMs = 10 * 60 * 1000) {}

  private takeBatch(cursor: OpenCursor, batchSize: number | undefined): Document[] {
    const max = batchSize && batchSize > 0 ? batchSize : Number.MAX_SAFE_INTEGER;
    const out: Document[] = [];
    let bytes = 0;
    while (cursor.position < cursor.docs.length && out.length < max) {
      const doc = cursor.docs[cursor.position]!;
      bytes += calculateObjectSize(doc);
      if (out.length > 0 && bytes > MAX_BATCH_BYTES) break;
      out.push(doc);
      cursor.position++;
    }
    cursor.lastUsed = Date.now();
    return out;
  }

  /** Returns the first batch and registers a cursor only when documents remain. */
  open(ns: string, docs: Document[], batchSize: number | undefined, singleBatch = false): Batch {
    const cursor: OpenCursor = { ns, docs, position: 0, lastUsed: Date.now() };
    // batchSize 0 on the opening command means "create the cursor, return nothing yet".
    const batch = batchSize === 0 && !singleBatch ? [] : this.takeBatch(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    if (singleBatch || cursor.position >= docs.length) return { id: Long.ZERO, ns, batch };
    const id = Long.fromBigInt(randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn);
    this.cursors.set(id.toString(), cursor);
    return { id, ns, batch };
  }

  getMore(id: Long | number, ns: string, batchSize: number | undefined): Batch {
    const key = id.toString();
    const cursor = this.cursors.get(key);
    if (!cursor) throw mongoError('CursorNotFound', `cursor id ${key} not found`);
    if (cursor.ns !== ns) throw mongoError('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    const batch = this.takeBatch(cursor, batchSize);
    const done = cursor.position >= cursor.docs.length;
    if (done) this.cursors.delete(key);
    return { id: done ? Long.ZERO : Long.fromString(key), ns, batch };
  }

  kill(ids: (Long | number)[]): { killed: Long[]; notFound: Long[] } {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) {
      const long = Long.fromValue(id);
      (this.cursors.delete(long.toString()) ? killed : notFound).push(long);
    }
    return { killed, notFound };
  }

  /** Drops cursors idle longer than the timeout, so abandoned result sets do not pin memory. */
  reap(now = Date.now()): number {
    let n = 0;
    for (const [key, c] of this.cursors) {
      if (now - c.lastUsed > this.idleTimeoutMs) {
        this.cursors.delete(key);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.cursors.size;
  }
}
