import { Long, type Document } from 'bson';
import { mongoError } from '../errors.js';
import { collectionName, optionalDoc, optionalNumber, type CommandContext } from '../commands/context.js';
import type { ChangeStreamCursor, StreamBatch } from './cursor.js';
import type { ChangeStreamRegistry } from './registry.js';
import { changeStreamError } from './errors.js';
import { parseChangeStream } from './spec.js';

// mongod's wait for an awaitData getMore that names no maxTimeMS.
const DEFAULT_AWAIT_MS = 1000;
const MAX_AWAIT_MS = 2 ** 31 - 1;

function reply(cursor: ChangeStreamCursor, batch: StreamBatch, first: boolean): Document {
  const id = batch.closed ? Long.ZERO : cursor.id;
  const events = first ? { firstBatch: batch.events } : { nextBatch: batch.events };
  return { cursor: { ...events, postBatchResumeToken: batch.postBatchResumeToken, id, ns: cursor.spec.ns }, ok: 1 };
}

function batchSizeOf(doc: Document | undefined): number | undefined {
  const n = doc ? optionalNumber(doc, 'batchSize') : undefined;
  if (n !== undefined && (n < 0 || !Number.isInteger(n))) throw mongoError('BadValue', 'batchSize must be a non-negative integer');
  return n;
}

/** Reads a batch; a failing stream loses its cursor, as on mongod. */
function read(streams: ChangeStreamRegistry, cursor: ChangeStreamCursor, max: number): StreamBatch {
  try {
    const batch = cursor.next(max);
    if (batch.closed) streams.remove(cursor);
    return batch;
  } catch (err) {
    streams.remove(cursor);
    throw err;
  }
}

/** aggregate with a leading $changeStream: opens the cursor and returns what is already there (never waits). */
export function openChangeStream(cmd: Document, ctx: CommandContext): Document {
  const streams = ctx.changeStreams;
  if (!ctx.replicaSet || !streams) throw changeStreamError('NotAReplicaSet', 'The $changeStream stage is only supported on replica sets');
  if (cmd.explain === true) throw mongoError('NotImplemented', 'explain is not supported for change streams by embedded-mongo');
  const spec = parseChangeStream(cmd, ctx.db);
  const { db, coll } = spec.scope;
  if (db !== undefined && coll !== undefined && typeof ctx.store.getCollection(db, coll)?.options.viewOn === 'string') {
    throw mongoError('CommandNotSupportedOnView', `Namespace ${spec.ns} is a view, not a collection: $changeStream is not supported on views`);
  }
  const batchSize = batchSizeOf(optionalDoc(cmd, 'cursor'));
  const cursor = streams.open(spec);
  return reply(cursor, read(streams, cursor, batchSize ?? 101), true);
}

/**
 * getMore on a change stream: answers at once when events are there, else waits (without
 * polling) until a commit touches the stream's namespace or maxTimeMS passes, then answers with
 * whatever there is, at least a fresher postBatchResumeToken. Undefined: not a change stream.
 */
export function changeStreamGetMore(cmd: Document, ctx: CommandContext): Promise<Document> | undefined {
  const id: unknown = cmd.getMore;
  const streams = ctx.changeStreams;
  if (!streams || !(typeof id === 'number' || id instanceof Long)) return undefined;
  const cursor = streams.get(id);
  if (!cursor) return undefined;
  const ns = `${ctx.db}.${collectionName(cmd, 'collection')}`;
  if (ns !== cursor.spec.ns) throw mongoError('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.spec.ns}`);
  if (cursor.busy) throw mongoError('OperationFailed', `cursor id ${id.toString()} is already in use by another getMore`);
  const max = batchSizeOf(cmd) || Number.MAX_SAFE_INTEGER;
  const maxTimeMS = optionalNumber(cmd, 'maxTimeMS') ?? DEFAULT_AWAIT_MS;
  if (maxTimeMS < 0 || maxTimeMS > MAX_AWAIT_MS) throw mongoError('BadValue', `maxTimeMS must be between 0 and ${MAX_AWAIT_MS}`);
  const deadline = Date.now() + maxTimeMS;
  cursor.busy = true;
  const run = async (): Promise<Document> => {
    try {
      for (;;) {
        const batch = read(streams, cursor, max);
        const left = deadline - Date.now();
        if (batch.events.length > 0 || batch.closed || left <= 0) return reply(cursor, batch, false);
        const woken = await streams.wait(cursor, left);
        // Woken (or timed out) while a transaction is open: read once it ended, so no event's
        // updateLookup sees its uncommitted writes (other sessions' commands wait the same way).
        const txns = ctx.transactions;
        while (txns?.activeSession !== undefined) await txns.idle();
        if (!streams.get(cursor.id)) throw changeStreamError('CursorKilled', `cursor id ${cursor.id.toString()} was killed while waiting`);
        if (!woken) return reply(cursor, read(streams, cursor, max), false);
      }
    } finally {
      cursor.busy = false;
    }
  };
  return run();
}

/** killCursors for the change stream ids among `ids`; returns the ones that are not. */
export function killChangeStreams(ids: unknown[], ctx: CommandContext): { killed: Long[]; others: unknown[] } {
  const killed: Long[] = [];
  const others: unknown[] = [];
  const streams = ctx.changeStreams;
  for (const id of ids) {
    const cursor = streams && (typeof id === 'number' || id instanceof Long) ? streams.get(id) : undefined;
    if (cursor && streams?.remove(cursor)) killed.push(cursor.id);
    else others.push(id);
  }
  return { killed, others };
}
