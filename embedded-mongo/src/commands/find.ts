import { Long, type Document } from 'bson';
import { encodeKey } from '../bson/keyEncoding.js';
import { keepTopLevel } from '../bson/rawField.js';
import { RawDocument } from '../bson/rawDocument.js';
import { mongoError } from '../errors.js';
import { caseInsensitive } from '../query/collation.js';
import type { DocumentSource } from '../cursors.js';
import { countMatches, project, QueryRun, runQuery } from '../query/execute.js';
import { pathValues } from '../storage/indexKeys.js';
import { runPipeline } from './aggregate.js';
import { collectionName, optionalDoc, optionalNumber, queryExtras, type CommandHandler } from './context.js';
import { checkHint } from './hint.js';
import { resolveView } from './views.js';

export function cursorReply(id: Long, ns: string, batch: Document[], first: boolean): Document {
  return { cursor: first ? { firstBatch: batch, id, ns } : { nextBatch: batch, id, ns }, ok: 1 };
}

/** find: negative limit means a single batch, as in the legacy protocol. */
export const find: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'find');
  const filter = optionalDoc(cmd, 'filter');
  const limitRaw = optionalNumber(cmd, 'limit') ?? 0;
  const skip = optionalNumber(cmd, 'skip') ?? 0;
  if (skip < 0) throw mongoError('BadValue', 'skip value must be non-negative');
  const batchSize = optionalNumber(cmd, 'batchSize');
  if (batchSize !== undefined && batchSize < 0) throw mongoError('BadValue', 'batchSize value must be non-negative');
  const coll = ctx.store.getCollection(ctx.db, name);
  checkHint(coll, cmd.hint);
  const projection = optionalDoc(cmd, 'projection');
  const singleBatch = cmd.singleBatch === true || limitRaw < 0;
  const view = resolveView(ctx, name);
  if (view) {
    const sort = optionalDoc(cmd, 'sort');
    const stages = [...(filter ? [{ $match: filter }] : []), ...(sort ? [{ $sort: sort }] : []), ...(skip ? [{ $skip: skip }] : []), ...(limitRaw ? [{ $limit: Math.abs(limitRaw) }] : [])];
    const docs = project(runPipeline(ctx, name, stages, queryExtras(cmd)), projection, filter);
    const first = ctx.cursors.open(`${ctx.db}.${name}`, docs, singleBatch ? undefined : batchSize, singleBatch);
    return cursorReply(first.id, first.ns, first.batch, true);
  }
  const fields = keptFields(projection);
  const run = new QueryRun(coll, {
    filter,
    sort: optionalDoc(cmd, 'sort'),
    skip,
    limit: Math.abs(limitRaw),
    fields,
    ...queryExtras(cmd),
  });
  // The stored bytes are the answer when nothing is projected, or only whole top-level fields
  // (cut from the bytes in document order, `_id` first, as the projection would give them).
  const cut = ctx.rawBatches ? rawProjection(projection, fields) : undefined;
  const source: DocumentSource = {
    take: (max) => {
      const items = run.take(max);
      if (!cut) return project(items.map((m) => m.doc), projection, filter);
      return items.map((m) => {
        const bytes = m.bytes && (cut === true ? m.bytes : keepTopLevel(m.bytes, cut));
        return bytes ? new RawDocument(bytes) : project([m.doc], projection, filter)[0]!;
      });
    },
    get exhausted() {
      return run.exhausted;
    },
  };
  const first = ctx.cursors.open(`${ctx.db}.${name}`, source, singleBatch ? undefined : batchSize, singleBatch);
  return cursorReply(first.id, first.ns, first.batch, true);
};

export const getMore: CommandHandler = (cmd, ctx) => {
  const id: unknown = cmd.getMore;
  if (!(typeof id === 'number' || id instanceof Long)) throw mongoError('TypeMismatch', "BSON field 'getMore.getMore' is the wrong type, expected type 'long'");
  const name = collectionName(cmd, 'collection');
  const next = ctx.cursors.getMore(id, `${ctx.db}.${name}`, optionalNumber(cmd, 'batchSize'));
  return cursorReply(next.id, next.ns, next.batch, false);
};

export const killCursors: CommandHandler = (cmd, ctx) => {
  const ids: unknown = cmd.cursors;
  if (!Array.isArray(ids)) throw mongoError('TypeMismatch', "BSON field 'killCursors.cursors' is missing or not an array");
  const { killed, notFound } = ctx.cursors.kill(ids as (Long | number)[]);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

/** count: without a query it reads SQLite's row count instead of decoding every document. */
export const count: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'count');
  const coll = ctx.store.getCollection(ctx.db, name);
  checkHint(coll, cmd.hint);
  const query = optionalDoc(cmd, 'query');
  const skip = optionalNumber(cmd, 'skip') ?? 0;
  const limit = Math.abs(optionalNumber(cmd, 'limit') ?? 0);
  let n = resolveView(ctx, name) ? runPipeline(ctx, name, query ? [{ $match: query }] : [], queryExtras(cmd)).length : countMatches(coll, { filter: query, ...queryExtras(cmd) });
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n, ok: 1 };
};

/** distinct: array values contribute their elements, as MongoDB's distinct does. */
export const distinct: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'distinct');
  const key: unknown = cmd.key;
  if (typeof key !== 'string') throw mongoError('TypeMismatch', "BSON field 'distinct.key' is missing or not a string");
  const extras = queryExtras(cmd);
  const query = optionalDoc(cmd, 'query');
  const matches = resolveView(ctx, name)
    ? runPipeline(ctx, name, query ? [{ $match: query }] : [], extras).map((doc) => ({ doc }))
    : runQuery(ctx.store.getCollection(ctx.db, name), { filter: query, ...extras });
  const fold = caseInsensitive(extras.collation);
  const seen = new Map<string, unknown>();
  for (const { doc } of matches) {
    for (const v of pathValues(doc, key.split('.')).values) {
      if (v === undefined) continue;
      const key = encodeKey([fold && typeof v === 'string' ? v.toLowerCase() : v], [1]).toString('hex');
      if (!seen.has(key)) seen.set(key, v);
    }
  }
  return { values: [...seen.values()], ok: 1 };
};

/**
 * How a find's results can be sent as BSON bytes: whole (`true`: no projection), cut to these
 * top-level fields (an inclusion of whole top-level fields), or not (undefined: the projection
 * reaches inside fields or computes them).
 */
function rawProjection(projection: Document | undefined, fields: string[] | undefined): true | ReadonlySet<string> | undefined {
  if (!projection || Object.keys(projection).length === 0) return true;
  if (!fields || Object.keys(projection).some((path) => path.includes('.'))) return undefined;
  return new Set(fields);
}

/**
 * The top-level fields an inclusion projection keeps (`_id` unless excluded), so the query
 * decodes only those; undefined for anything else — an exclusion, `$slice`, `$elemMatch`,
 * `$meta`, a positional `.$` or a computed field may need the whole document.
 */
function keptFields(projection: Document | undefined): string[] | undefined {
  if (!projection) return undefined;
  const kept = new Set<string>();
  let withId = true;
  for (const [path, value] of Object.entries(projection)) {
    const on = value === true || (typeof value === 'number' && value !== 0);
    const off = value === false || value === 0;
    if (path === '_id' && off) {
      withId = false;
      continue;
    }
    if (!on || path.startsWith('$') || path.includes('.$') || path.includes('$')) return undefined;
    kept.add(path.split('.')[0]!);
  }
  if (kept.size === 0) return undefined;
  if (withId) kept.add('_id');
  return [...kept];
}
