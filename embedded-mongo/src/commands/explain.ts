import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { explainAggregate } from './aggregate.js';
import { runQuery, type QueryStats } from '../query/execute.js';
import { collectionName, optionalDoc, optionalNumber, queryExtras, type CommandHandler } from './context.js';

/**
 * explain for find and count: reports whether the planner chose an index range or a collection
 * scan, and how many documents it examined (MongoDB's executionStats vocabulary).
 */
export const explain: CommandHandler = (cmd, ctx) => {
  const inner = optionalDoc(cmd, 'explain');
  const verb = inner ? Object.keys(inner)[0] : undefined;
  if (inner && verb === 'aggregate') return explainAggregate({ ...ctx }, { ...inner, $db: ctx.db });
  if (!inner || (verb !== 'find' && verb !== 'count')) throw mongoError('IllegalOperation', `explain is only supported for find, count and aggregate, not ${String(verb)}`);
  const name = collectionName(inner, verb);
  const stats: QueryStats = { stage: 'EOF', docsExamined: 0, sortInMemory: false };
  const filter = optionalDoc(inner, verb === 'find' ? 'filter' : 'query');
  const found = runQuery(
    ctx.store.getCollection(ctx.db, name),
    { filter, sort: optionalDoc(inner, 'sort'), skip: optionalNumber(inner, 'skip'), limit: Math.abs(optionalNumber(inner, 'limit') ?? 0), ...queryExtras(inner) },
    stats,
  );
  const scan: Document = stats.stage === 'IXSCAN' ? { stage: 'IXSCAN', indexName: stats.indexName } : { stage: stats.stage };
  const winningPlan: Document = stats.sortInMemory ? { stage: 'SORT', inputStage: { stage: 'FETCH', inputStage: scan } } : { stage: 'FETCH', inputStage: scan };
  return {
    queryPlanner: { namespace: `${ctx.db}.${name}`, parsedQuery: filter ?? {}, winningPlan, rejectedPlans: [] },
    executionStats: { nReturned: found.length, totalDocsExamined: stats.docsExamined, executionSuccess: true },
    ok: 1,
  };
};
