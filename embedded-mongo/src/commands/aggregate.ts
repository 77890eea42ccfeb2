import { Long, type Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { mongoError } from '../errors.js';
import { countMatches, queryOptions, runQuery, type QuerySpec, type QueryStats } from '../query/execute.js';
import { checkHint } from './hint.js';
import { resolveView } from './views.js';
import { geoNearStage } from '../query/geoQuery.js';
import { isPlainObject } from '../storage/indexKeys.js';
import { compileFilter, mingoOptions } from '../query/matcher.js';
import type { CommandContext, CommandHandler } from './context.js';
import { collectionName, optionalDoc, optionalNumber, queryExtras } from './context.js';
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

/**
 * The documents a pipeline yields over a collection (or view), before any `$out`/`$merge`:
 * leading `$geoNear` or `$match`/`$sort`/`$limit` stages are answered by the store's planner,
 * the rest by mingo. `stats` receives what the pushed-down query did (for explain).
 */
export function runPipeline(ctx: CommandContext, target: string, stages: Document[], extras: Pick<QuerySpec, 'collation' | 'variables'>, stats?: QueryStats): Document[] {
  const view = resolveView(ctx, target);
  const body = view ? [...view.pipeline, ...stages] : stages;
  const source = view?.source ?? target;
  let input: Document[];
  let rest: Document[];
  if (body[0] && '$geoNear' in body[0]) {
    const stage = body[0].$geoNear as Document;
    const query = isPlainObject(stage) && isPlainObject(stage.query) ? stage.query : undefined;
    input = geoNearStage(ctx.store.getCollection(ctx.db, source), stage, compileFilter(query, queryOptions(extras)));
    rest = body.slice(1);
  } else {
    const pushed = pushDown(body);
    rest = pushed.rest;
    input = runQuery(ctx.store.getCollection(ctx.db, source), { ...pushed.spec, ...extras }, stats).map((m) => m.doc);
  }
  return runStages(ctx, rest, input, extras);
}

function runStages(ctx: CommandContext, stages: Document[], input: Document[], extras: Pick<QuerySpec, 'variables'>): Document[] {
  if (stages.length === 0) return input;
  const options = {
    ...mingoOptions,
    collectionResolver: (name: string) => runPipeline(ctx, name, [], {}),
    variables: extras.variables,
  };
  try {
    return new Aggregator(stages, options).run<Document>(input);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const stage = /^unregistered pipeline operator (\$\w+)/.exec(message)?.[1];
    if (stage) throw mongoError('Location40324', `Unrecognized pipeline stage name: '${stage}'`);
    throw mongoError('BadValue', message);
  }
}

/** explain of an aggregate: the plan of the pushed-down query, then the remaining stages. */
export function explainAggregate(ctx: CommandContext, cmd: Document): Document {
  const target = collectionName(cmd, 'aggregate');
  const stats: QueryStats = { stage: 'EOF', docsExamined: 0, sortInMemory: false };
  const pipeline = (cmd.pipeline ?? []) as Document[];
  runPipeline(ctx, target, pipeline, queryExtras(cmd), stats);
  const scan: Document = stats.stage === 'IXSCAN' ? { stage: 'IXSCAN', indexName: stats.indexName } : { stage: stats.stage };
  const queryPlanner = { namespace: `${ctx.db}.${target}`, winningPlan: { stage: 'FETCH', inputStage: scan }, rejectedPlans: [] };
  return {
    explainVersion: '1',
    stages: [{ $cursor: { queryPlanner, executionStats: { totalDocsExamined: stats.docsExamined, executionSuccess: true } } }, ...pushDown(pipeline).rest],
    ok: 1,
  };
}

export const aggregate: CommandHandler = (cmd, ctx) => {
  const target: unknown = cmd.aggregate;
  const pipeline = cmd.pipeline as unknown;
  if (!Array.isArray(pipeline)) throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
  if (cmd.explain === true) return explainAggregate(ctx, cmd);
  const stages = pipeline as Document[];
  const last = stages[stages.length - 1];
  const out = last && ('$out' in last || '$merge' in last) ? last : undefined;
  const body = out ? stages.slice(0, -1) : stages;

  const extras = queryExtras(cmd);
  let results: Document[];
  if (typeof target === 'string') {
    checkHint(ctx.store.getCollection(ctx.db, target), cmd.hint);
    if (!resolveView(ctx, target) && !(body[0] && '$geoNear' in body[0])) {
      const pushed = pushDown(body);
      const counted = countShortcut(ctx, target, pushed.spec, pushed.rest, extras);
      if (counted) return counted;
    }
    results = runPipeline(ctx, target, body, extras);
  } else if (target !== 1) {
    throw mongoError('TypeMismatch', "'aggregate' must be a collection name or 1");
  } else if (body[0] && '$listLocalSessions' in body[0]) {
    // This server keeps no session registry; the caller's own session is the one it knows.
    results = runStages(ctx, body.slice(1), cmd.lsid ? [{ _id: cmd.lsid as Document, lastUse: new Date() }] : [], extras);
  } else results = runStages(ctx, body, [], extras);
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
