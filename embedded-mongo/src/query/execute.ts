import type { Document } from 'bson';
import type { Options } from 'mingo/types';
import type { CollectionStore, StoredDoc } from '../storage/collection.js';
import { collateFilter } from './collation.js';
import { compileFilter, mingoOptions, type Matcher } from './matcher.js';
import { chooseIndex, hintedPlan, type IndexPlan } from './planner.js';
import { rawPrefilter } from './prefilter.js';
import { applyProjection } from './projection.js';
import { simpleMatcher } from './simpleMatch.js';
import { parseSort, sortDocs, TEXT_SCORE, type SortSpec } from './sort.js';
import { hasText, splitText, textCandidates } from './textQuery.js';
import { nearCandidates, splitNear } from './geoQuery.js';

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
  /** An index name or key pattern the client wants read (already checked to exist). */
  hint?: unknown;
  /**
   * The top-level fields the caller keeps of each result (a find's inclusion projection); with
   * the filter's and the sort's, the only ones an index scan decodes. Absent: every field.
   */
  fields?: readonly string[];
}

const isPlainObjectHint = (v: unknown): v is Document => typeof v === 'object' && v !== null && !Array.isArray(v);

/** mingo options for a query's collation and `let` variables. */
export function queryOptions(spec: Pick<QuerySpec, 'collation' | 'variables'>): Partial<Options> {
  return { ...mingoOptions, ...(spec.variables ? { variables: spec.variables } : {}) };
}

/** What a query did, as `explain` reports it. */
export interface QueryStats {
  stage: 'IXSCAN' | 'COLLSCAN' | 'EOF' | 'TEXT' | 'GEO_NEAR_2DSPHERE';
  indexName?: string;
  docsExamined: number;
  sortInMemory: boolean;
}

/**
 * A query that can be read in batches. The planner picks an index range (or a scan) and every
 * candidate is re-checked with the full filter. When the index order already gives the sort, each
 * batch is a fresh SQLite read resuming after the last (key, rid) — SQLite iterators cannot stay
 * open across other statements — so a cursor over a million documents holds one batch in memory.
 * Otherwise (in-memory sort, several ranges for an $in) the results are computed once and handed
 * out in slices.
 */
export class QueryRun {
  private readonly plan: IndexPlan | undefined;
  private readonly matches: Matcher;
  private readonly skip: number;
  private readonly limit: number;
  private buffered: StoredDoc[] | undefined;
  private after: { rid: number; key?: Buffer } | undefined;
  private readonly seen = new Set<number>();
  /** The top-level fields an index scan decodes (undefined: all). */
  private readonly decoded: ReadonlySet<string> | undefined;
  /** The raw-bytes check for index scans (null: the filter has none); made on first use. */
  private prefilter: ((bytes: Buffer) => boolean) | null | undefined;
  private skipped = 0;
  private returned = 0;
  exhausted = false;

  constructor(
    private readonly coll: CollectionStore | undefined,
    private readonly spec: QuerySpec,
    private readonly stats?: QueryStats,
  ) {
    // A collection created with a collation uses it whenever a query names none.
    const defaultCollation = coll?.options.collation as Document | undefined;
    if (!spec.collation && defaultCollation && defaultCollation.locale !== 'simple') this.spec = spec = { ...spec, collation: defaultCollation };
    // `$text` reads the text index; the rest of the filter re-checks its candidates.
    const text = hasText(spec.filter) ? splitText(spec.filter!) : undefined;
    // `$near` reads the 2dsphere R-tree and orders by distance.
    const near = text ? undefined : splitNear(spec.filter);
    const filter = text?.rest ?? near?.rest ?? spec.filter ?? {};
    const sort = parseSort(spec.sort);
    this.skip = Math.max(0, spec.skip ?? 0);
    this.limit = Math.abs(spec.limit ?? 0);
    const hinted = spec.hint !== undefined && spec.hint !== null && !(isPlainObjectHint(spec.hint) && Object.keys(spec.hint).length === 0);
    this.plan = coll && !spec.collation && !text && !near ? (hinted ? hintedPlan(coll, spec.hint, filter, sort) : chooseIndex(coll, filter, sort)) : undefined;
    this.decoded = text || near ? undefined : decodedFields(spec.fields, filter, sort);
    const full = () => compileFilter(collateFilter(filter, spec.collation), queryOptions(spec));
    this.matches = this.plan?.exact ? () => true : ((!spec.collation && simpleMatcher(filter, full)) || full());
    const multiRange = this.plan !== undefined && this.plan.ranges.length > 1;
    const streaming = !multiRange && (sort.length === 0 || this.plan?.sortCovered === true);
    if (stats) {
      stats.stage = !coll ? 'EOF' : this.plan ? 'IXSCAN' : 'COLLSCAN';
      stats.indexName = this.plan?.index.spec.name;
      stats.sortInMemory = sort.length > 0 && !this.plan?.sortCovered;
    }
    if (near) {
      if (stats) stats.stage = 'GEO_NEAR_2DSPHERE';
      const nearest = [...this.filtered(nearCandidates(coll, near.near).map((c) => c.item))];
      this.buffered = sortDocs(nearest, sort, spec.collation).slice(this.skip, this.limit > 0 ? this.skip + this.limit : undefined);
    } else if (text) {
      if (stats) stats.stage = 'TEXT';
      // Sorted by score alone (or not at all): read only as many documents as the page needs.
      const scoreOnly = sort.every(([p]) => p[0] === TEXT_SCORE);
      const need = this.limit > 0 && scoreOnly ? this.skip + this.limit : Number.MAX_SAFE_INTEGER;
      const matched: StoredDoc[] = [];
      for (const item of this.filtered(textCandidates(coll, text.text!, sort.length > 0 && scoreOnly))) {
        matched.push(item);
        if (matched.length >= need) break;
      }
      this.buffered = (scoreOnly ? matched : sortDocs(matched, sort, spec.collation)).slice(this.skip, this.limit > 0 ? this.skip + this.limit : undefined);
    } else if (!coll) this.buffered = [];
    else if (multiRange) this.buffered = this.readRanges(coll, this.plan, sort);
    else if (!streaming) {
      const all = [...this.filtered(this.source(coll))];
      this.buffered = sortDocs(all, sort, spec.collation).slice(this.skip, this.limit > 0 ? this.skip + this.limit : undefined);
    }
  }

  /**
   * The result of a plan with several ranges (one per `$in` value). Without a sort they are read
   * one after another until the limit; when each range is already in sort order at most
   * skip + limit matches of each can make the result, and the ranges are merged on the key bytes
   * after their equality prefix (the sort fields, already encoded in order); otherwise every
   * match is read and sorted in memory.
   */
  private readRanges(coll: CollectionStore, plan: IndexPlan, sort: SortSpec): StoredDoc[] {
    const need = this.limit > 0 ? this.skip + this.limit : Number.MAX_SAFE_INTEGER;
    const page = (docs: StoredDoc[]) => docs.slice(this.skip, this.limit > 0 ? this.skip + this.limit : undefined);
    const read = (r: IndexPlan['ranges'][number], max: number): StoredDoc[] => {
      const out: StoredDoc[] = [];
      if (max <= 0) return out;
      // The shared `seen` set drops a multikey document found again under another value.
      for (const item of this.filtered(coll.indexRange(plan.index, r.lo, r.hi, plan.reverse, undefined, this.seen, this.mayMatch(), this.decoded))) {
        out.push(item);
        if (out.length >= max) break;
      }
      return out;
    };
    if (sort.length === 0) {
      const out: StoredDoc[] = [];
      // A loop, not push(...): spreading a range of 100,000+ documents overflows the call stack.
      for (const r of plan.ranges) for (const item of read(r, need - out.length)) out.push(item);
      return page(out);
    }
    if (!plan.sortCovered) {
      return page(sortDocs(plan.ranges.flatMap((r) => read(r, Number.MAX_SAFE_INTEGER)), sort, this.spec.collation));
    }
    const sign = plan.reverse ? -1 : 1;
    const tagged = plan.ranges.flatMap((r, i) => read(r, need).map((item) => ({ item, i, tail: item.key!.subarray(r.prefixLength) })));
    tagged.sort((a, b) => sign * Buffer.compare(a.tail, b.tail) || a.i - b.i);
    return page(tagged.map((t) => t.item));
  }

  private *filtered(source: Iterable<StoredDoc>): Generator<StoredDoc> {
    for (const item of source) {
      if (this.stats) this.stats.docsExamined++;
      // An exact plan's documents all match: not even decoded (see ScannedDoc).
      if (this.plan?.exact || this.matches(item.doc)) yield item;
    }
  }

  private source(coll: CollectionStore): Iterable<StoredDoc> {
    const { plan } = this;
    if (!plan) return coll.scan(rawPrefilter(this.spec.filter ?? {}, this.spec.collation), this.after?.rid ?? 0);
    const after = this.after?.key ? { key: this.after.key, rid: this.after.rid } : undefined;
    const [range] = plan.ranges;
    return coll.indexRange(plan.index, range!.lo, range!.hi, plan.reverse, after, this.seen, this.mayMatch(), this.decoded);
  }

  /**
   * The raw-bytes check of the filter's string equalities for an index scan whose index does not
   * answer the filter alone: a search walking one agent's entries for two words and a status then
   * decodes only the entries holding all three (~2 % here) instead of every one.
   */
  private mayMatch(): ((bytes: Buffer) => boolean) | undefined {
    if (this.plan?.exact) return undefined;
    return (this.prefilter ??= rawPrefilter(this.spec.filter ?? {}, this.spec.collation) ?? null) ?? undefined;
  }

  /** The next results, at most `max` of them (all remaining when omitted). */
  take(max = Number.MAX_SAFE_INTEGER): StoredDoc[] {
    if (this.buffered) {
      const out = this.buffered.splice(0, max);
      this.exhausted = this.buffered.length === 0;
      return out;
    }
    const out: StoredDoc[] = [];
    if (this.exhausted || !this.coll) return out;
    let reachedEnd = true;
    for (const item of this.filtered(this.source(this.coll))) {
      this.after = { rid: item.rid, key: item.key };
      if (this.skipped < this.skip) {
        this.skipped++;
        continue;
      }
      out.push(item);
      this.returned++;
      if (this.limit > 0 && this.returned >= this.limit) break;
      if (out.length >= max) {
        reachedEnd = false;
        break;
      }
    }
    this.exhausted = reachedEnd || (this.limit > 0 && this.returned >= this.limit);
    return out;
  }
}

/**
 * The top-level fields a query must decode: the kept ones, and those its filter and sort read.
 * Undefined (decode everything) when every field is kept, or the filter has a top-level operator
 * other than $and/$or/$nor over plain fields ($expr, $where and the like may read any field).
 */
function decodedFields(kept: readonly string[] | undefined, filter: Document, sort: SortSpec): ReadonlySet<string> | undefined {
  if (!kept) return undefined;
  const out = new Set(kept);
  const add = (f: Document): boolean => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' || key === '$or' || key === '$nor') {
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'object' && v !== null && add(v as Document))) return false;
      } else if (key.startsWith('$')) return false;
      else out.add(key.split('.')[0]!);
    }
    return true;
  };
  if (!add(filter)) return undefined;
  for (const [path] of sort) out.add(path[0]!);
  return out;
}

/** Runs a query to completion (write commands need every match before changing any). */
export function runQuery(coll: CollectionStore | undefined, spec: QuerySpec, stats?: QueryStats): StoredDoc[] {
  return new QueryRun(coll, spec, stats).take();
}

/**
 * Counts matches; an empty filter reads the row count and a filter the index answers exactly
 * counts index entries, so neither decodes documents.
 */
export function countMatches(coll: CollectionStore | undefined, spec: Pick<QuerySpec, 'filter' | 'collation' | 'variables'>): number {
  if (!coll) return 0;
  const filter = spec.filter ?? {};
  if (Object.keys(filter).length === 0) return coll.count();
  const plan = spec.collation || coll.options.collation || hasText(filter) || splitNear(filter) ? undefined : chooseIndex(coll, filter, []);
  // Exact plans are never multikey, so the ranges' entry counts add up to the document count.
  if (plan?.exact) return plan.ranges.reduce((n, r) => n + coll.countRange(plan.index, r.lo, r.hi), 0);
  return runQuery(coll, spec).length;
}

/** Applies a find projection (see query/projection.ts). */
export function project(docs: Document[], projection: Document | undefined, filter: Document = {}): Document[] {
  return applyProjection(docs, projection, filter);
}
