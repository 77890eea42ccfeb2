import type { Document } from 'bson';
import { Query } from 'mingo/query';
import type { Options } from 'mingo/types';
import type { CollectionStore, StoredDoc } from '../storage/collection.js';
import { collateFilter } from './collation.js';
import { compileFilter, mingoOptions } from './matcher.js';
import { chooseIndex } from './planner.js';
import { inCandidates, inLookup } from './inPlan.js';
import { rawPrefilter } from './prefilter.js';
import { parseSort, sortDocs } from './sort.js';

export interface QuerySpec {
  filter?: Document;
  sort?: unknown;
  skip?: number;
  /** 0 or undefined means no limit. */
  limit?: number;
  /** A collation document; string comparisons then follow it and indexes are not used. */
  collation?: Document;
  /** `let` variables, visible to `$expr` as `$$name`. */
  variables?: Document;
}

/** mingo options for a query's collation and `let` variables. */
export function queryOptions(spec: Pick<QuerySpec, 'collation' | 'variables'>): Partial<Options> {
  return { ...mingoOptions, ...(spec.variables ? { variables: spec.variables } : {}) };
}

/**
 * Runs a query: the planner picks an index range (or a scan), every candidate is re-checked with
 * the full filter, and when the index order already matches the sort we stop after skip + limit.
 */
/** What a query did, as `explain` reports it. */
export interface QueryStats {
  stage: 'IXSCAN' | 'COLLSCAN' | 'EOF';
  indexName?: string;
  docsExamined: number;
  sortInMemory: boolean;
}

export function runQuery(coll: CollectionStore | undefined, spec: QuerySpec, stats?: QueryStats): StoredDoc[] {
  if (!coll) return [];
  const filter = spec.filter ?? {};
  const sort = parseSort(spec.sort);
  const skip = Math.max(0, spec.skip ?? 0);
  const limit = Math.abs(spec.limit ?? 0);
  const plan = spec.collation ? undefined : chooseIndex(coll, filter, sort);
  const matches = plan?.exact ? () => true : compileFilter(collateFilter(filter, spec.collation), queryOptions(spec));
  const lookup = plan || spec.collation ? undefined : inLookup(coll, filter);
  const source = plan
    ? coll.indexRange(plan.index, plan.lo, plan.hi, plan.reverse)
    : lookup
      ? inCandidates(coll, lookup)
      : coll.scan(rawPrefilter(filter, spec.collation));
  const streaming = sort.length === 0 || plan?.sortCovered === true;
  if (stats) {
    stats.stage = plan || lookup ? 'IXSCAN' : 'COLLSCAN';
    stats.indexName = (plan ?? lookup)?.index.spec.name;
    stats.sortInMemory = !streaming;
  }
  const out: StoredDoc[] = [];
  let skipped = 0;
  for (const item of source) {
    if (stats) stats.docsExamined++;
    if (!matches(item.doc)) continue;
    if (streaming) {
      if (skipped < skip) {
        skipped++;
        continue;
      }
      out.push(item);
      if (limit > 0 && out.length >= limit) break;
    } else out.push(item);
  }
  if (streaming) return out;
  const sorted = sortDocs(out, sort, spec.collation);
  return sorted.slice(skip, limit > 0 ? skip + limit : undefined);
}

/**
 * Counts matches; an empty filter reads the row count and a filter the index answers exactly
 * counts index entries, so neither decodes documents.
 */
export function countMatches(coll: CollectionStore | undefined, spec: Pick<QuerySpec, 'filter' | 'collation' | 'variables'>): number {
  if (!coll) return 0;
  const filter = spec.filter ?? {};
  if (Object.keys(filter).length === 0) return coll.count();
  const plan = spec.collation ? undefined : chooseIndex(coll, filter, []);
  if (plan?.exact) return coll.countRange(plan.index, plan.lo, plan.hi);
  return runQuery(coll, spec).length;
}

/** Applies a find projection with mingo ($slice, $elemMatch and the positional `$` included). */
export function project(docs: Document[], projection: Document | undefined, filter: Document = {}): Document[] {
  if (!projection || Object.keys(projection).length === 0) return docs;
  const positional = Object.keys(projection).some((k) => k.endsWith('.$'));
  return new Query(positional ? filter : {}, mingoOptions).find<Document>(docs, projection).all();
}
