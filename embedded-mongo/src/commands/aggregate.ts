import { Long, type Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { mongoError } from '../errors.js';
import { countMatches, queryOptions, runQuery, type QuerySpec } from '../query/execute.js';
import { geoNearStage } from '../query/geoQuery.js';
import { isPlainObject } from '../storage/indexKeys.js';
import { compileFilter, mingoOptions } from '../query/matcher.js';
import type { CommandContext, CommandHandler } from './context.js';
import { optionalDoc, optionalNumber, queryExtras } from './context.js';
import { cursorReply } from './find.js';
import { writeMerge, writeOut } from './aggregateOutput.js';

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

/**
 * countDocuments sends [{$match}, {$group: {_id: 1, n: {$sum: 1}}}]: answer it with
 * countMatches, which can count index entries instead of decoding every matching document.
 */
function countShortcut(ctx: CommandContext, name: string, spec: QuerySpec, rest: Document[], extras: Pick<QuerySpec, 'collation' | 'variables'>): Document | undefined {
  const group = rest.length === 1 ? (rest[0]!.$group as Document | undefined) : undefined;
  if (!group || spec.sort !== undefined || spec.limit !== undefined || Object.keys(group).length !== 2) return undefined;
  const [countField] = Object.keys(group).filter((k) => k !== '_id');
  const sum = countField ? (group[countField] as Document | undefined) : undefined;
  if (!countField || group._id !== 1 || !sum || sum.$sum !== 1 || Object.keys(sum).length !== 1) return undefined;
  const n = countMatches(ctx.store.getCollection(ctx.db, name), { ...spec, ...extras });
  const batch = n > 0 ? [{ _id: 1, [countField]: n }] : [];
  return cursorReply(Long.ZERO, `${ctx.db}.${name}`, batch, true);
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

  const extras = queryExtras(cmd);
  let input: Document[] = [];
  let rest = body;
  if (typeof target === 'string' && body[0] && '$geoNear' in body[0]) {
    const stage = body[0].$geoNear as Document;
    const query = isPlainObject(stage) && isPlainObject(stage.query) ? stage.query : undefined;
    input = geoNearStage(ctx.store.getCollection(ctx.db, target), stage, compileFilter(query, queryOptions(extras)));
    rest = body.slice(1);
  } else if (typeof target === 'string') {
    const pushed = pushDown(body);
    const counted = countShortcut(ctx, target, pushed.spec, pushed.rest, extras);
    if (counted) return counted;
    rest = pushed.rest;
    input = runQuery(ctx.store.getCollection(ctx.db, target), { ...pushed.spec, ...extras }).map((m) => m.doc);
  } else if (target !== 1) {
    throw mongoError('TypeMismatch', "'aggregate' must be a collection name or 1");
  } else if (rest[0] && '$listLocalSessions' in rest[0]) {
    // This server keeps no session registry; the caller's own session is the one it knows.
    input = cmd.lsid ? [{ _id: cmd.lsid as Document, lastUse: new Date() }] : [];
    rest = rest.slice(1);
  }
  const options = {
    ...mingoOptions,
    collectionResolver: (name: string) => runQuery(ctx.store.getCollection(ctx.db, name), {}).map((m) => m.doc),
    variables: extras.variables,
  };
  let results: Document[];
  try {
    results = rest.length > 0 ? new Aggregator(rest, options).run<Document>(input) : input;
  } catch (err) {
    throw mongoError('BadValue', err instanceof Error ? err.message : String(err));
  }
  if (out) {
    if ('$merge' in out) writeMerge(ctx, out.$merge, results);
    else writeOut(ctx, out.$out, results);
    results = [];
  }
  const ns = `${ctx.db}.${typeof target === 'string' ? target : '$cmd.aggregate'}`;
  const cursorOpts = optionalDoc(cmd, 'cursor');
  const first = ctx.cursors.open(ns, results, cursorOpts ? optionalNumber(cursorOpts, 'batchSize') : undefined);
  return cursorReply(first.id, first.ns, first.batch, true);
};
