import { calculateObjectSize, Long, type Document } from 'bson';
import { randomBytes } from 'node:crypto';
import { bsonSize } from './bson/rawDocument.js';
import { mongoError } from './errors.js';

/** MongoDB caps a reply batch at 16 MiB; we leave headroom for the envelope around it. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024;
const DEFAULT_FIRST_BATCH = 101;

/** Where a cursor's documents come from: a query read lazily, or an already computed list. */
export interface DocumentSource {
  take(max: number): Document[];
  readonly exhausted: boolean;
}

/** A computed result (aggregation output, catalog listings) served batch by batch. */
export function arraySource(docs: Document[]): DocumentSource {
  let position = 0;
  return {
    take(max) {
      const out = docs.slice(position, position + max);
      position += out.length;
      return out;
    },
    get exhausted() {
      return position >= docs.length;
    },
  };
}

interface OpenCursor {
  ns: string;
  source: DocumentSource;
  /** Documents read from the source that did not fit the previous batch's byte budget. */
  pending: Document[];
  lastUsed: number;
}

export interface Batch {
  id: Long;
  ns: string;
  batch: Document[];
}

/**
 * Server-side cursors with random positive int64 ids (drivers require Longs). Each batch holds
 * at most `batchSize` documents and stays under MongoDB's 16 MiB reply limit.
 */
export class CursorRegistry {
  private readonly cursors = new Map<string, OpenCursor>();

  constructor(private readonly idleTimeoutMs = 10 * 60 * 1000) {}

  private takeBatch(cursor: OpenCursor, batchSize: number | undefined): Document[] {
    const max = batchSize && batchSize > 0 ? batchSize : Number.MAX_SAFE_INTEGER;
    const out: Document[] = [];
    let bytes = 0;
    while (out.length < max) {
      if (cursor.pending.length === 0) {
        if (cursor.source.exhausted) break;
        // Read in modest chunks so an unbounded getMore does not decode the whole collection at once.
        cursor.pending = cursor.source.take(Math.min(max - out.length, 1000));
        if (cursor.pending.length === 0) break;
      }
      const doc = cursor.pending[0]!;
      bytes += bsonSize(doc, calculateObjectSize);
      if (out.length > 0 && bytes > MAX_BATCH_BYTES) break;
      out.push(doc);
      cursor.pending.shift();
    }
    cursor.lastUsed = Date.now();
    return out;
  }

  private done(cursor: OpenCursor): boolean {
    return cursor.pending.length === 0 && cursor.source.exhausted;
  }

  /** Returns the first batch and registers a cursor only when documents remain. */
  open(ns: string, source: DocumentSource | Document[], batchSize: number | undefined, singleBatch = false): Batch {
    const cursor: OpenCursor = { ns, source: Array.isArray(source) ? arraySource(source) : source, pending: [], lastUsed: Date.now() };
    // batchSize 0 on the opening command means "create the cursor, return nothing yet".
    const batch = batchSize === 0 && !singleBatch ? [] : this.takeBatch(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    if (singleBatch || this.done(cursor)) return { id: Long.ZERO, ns, batch };
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
    const done = this.done(cursor);
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
