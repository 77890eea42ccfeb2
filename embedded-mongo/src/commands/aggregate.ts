import type { Document } from 'bson';
import { Aggregator } from 'mingo';
import { mongoError } from '../errors.js';
import { runQuery, type QuerySpec } from '../query/execute.js';
import { mingoOptions } from '../query/matcher.js';
import type { CommandContext, CommandHandler } from './context.js';
import { optionalDoc, optionalNumber } from './context.js';
import { cursorReply } from './find.js';
import { prepareForInsert } from './insert.js';

/**
 * Leading $match / $sort / $skip / $limit stages become a planned query, so an indexed pipeline
 * ("newest 50 of one agent, grouped") does not decode the whole collection.
 */
function pushDown(pipeline: Document[]): { spec: QuerySpec; rest: Document[] } {
  const spec: QuerySpec = {};
  let i = 0;
  if (pipeline[0]?.$match && !JSON.stringify(pipeline[0].$match).includes('"$expr"')) spec.filter = pipeline[i++]!.$match as Document;
  if (pipeline[i]?.$sort) spec.sort = pipeline[i++]!.$sort;
  if (spec.sort !== undefined && typeof pipeline[i]?.$limit === 'number') spec.limit = pipeline[i++]!.$limit as number;
  return { spec, rest: pipeline.slice(i) };
}

function writeOut(ctx: CommandContext, target: unknown, docs: Document[]): void {
  const spec = typeof target === 'string' ? { db: ctx.db, coll: target } : (target as { db?: string; coll?: string });
  const db = spec.db ?? ctx.db;
  if (!spec.coll) throw mongoError('FailedToParse', '$out requires a collection name');
  ctx.store.transaction(() => {
    ctx.store.dropCollection(db, spec.coll!);
    const coll = ctx.store.createCollection(db, spec.coll!);
    for (const d of docs) coll.insert(prepareForInsert(d));
  });
}

export const aggregate: CommandHandler = (cmd, ctx) => {
  const target: unknown = cmd.aggregate;
  const pipeline = cmd.pipeline as unknown;
  if (!Array.isArray(pipeline)) throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
  if (cmd.explain === true) throw mongoError('NotImplemented', 'explain is not supported by embedded-mongo');
  const stages = pipeline as Document[];
  const last = stages[stages.length - 1];
  const out = last && ('$out' in last || '$merge' in last) ? last : undefined;
  const body = out ? stages.slice(0, -1) : stages;

  let input: Document[] = [];
  let rest = body;
  if (typeof target === 'string') {
    const pushed = pushDown(body);
    rest = pushed.rest;
    input = runQuery(ctx.store.getCollection(ctx.db, target), pushed.spec).map((m) => m.doc);
  } else if (target !== 1) {
    throw mongoError('TypeMismatch', "'aggregate' must be a collection name or 1");
  }
  const options = {
    ...mingoOptions,
    collectionResolver: (name: string) => runQuery(ctx.store.getCollection(ctx.db, name), {}).map((m) => m.doc),
    variables: optionalDoc(cmd, 'let'),
  };
  let results: Document[];
  try {
    results = rest.length > 0 ? new Aggregator(rest, options).run<Document>(input) : input;
  } catch (err) {
    throw mongoError('BadValue', err instanceof Error ? err.message : String(err));
  }
  if (out) {
    if ('$merge' in out) throw mongoError('NotImplemented', '$merge is not supported by embedded-mongo');
    writeOut(ctx, out.$out, results);
    results = [];
  }
  const ns = `${ctx.db}.${typeof target === 'string' ? target : '$cmd.aggregate'}`;
  const cursorOpts = optionalDoc(cmd, 'cursor');
  const first = ctx.cursors.open(ns, results, cursorOpts ? optionalNumber(cursorOpts, 'batchSize') : undefined);
  return cursorReply(first.id, first.ns, first.batch, true);
};
