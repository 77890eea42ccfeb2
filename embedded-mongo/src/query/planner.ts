import type { Document } from 'bson';
import { valuesEqual } from '../bson/compare.js';
import { encodeKey } from '../bson/keyEncoding.js';
import { TypeRank, typeRank } from '../bson/typeOrder.js';
import type { CollectionStore } from '../storage/collection.js';
import type { IndexState } from '../storage/indexState.js';
import { isPlainObject } from '../storage/indexKeys.js';
import type { SortSpec } from './sort.js';

/** One contiguous stretch of an index: keys in [lo, hi), all starting with `prefix` bytes. */
export interface KeyRange {
  lo: Buffer;
  hi: Buffer;
  /** Length of the encoded equality prefix; what follows orders the range (for merging). */
  prefixLength: number;
}

/**
 * An index scan over one or more ranges (several when an equality field is an `$in`), in key
 * order or reversed. With several ranges, `sortCovered` means each range is in sort order, so
 * the ranges merge into the sorted result.
 */
export interface IndexPlan {
  index: IndexState;
  ranges: KeyRange[];
  reverse: boolean;
  /** True when reading the range(s) in order already yields the requested sort. */
  sortCovered: boolean;
  /** True when the ranges match exactly the filter, so documents need no re-check. */
  exact: boolean;
}

const TOP = Buffer.from([0xff]);
const RANGE_OPS = new Set(['$gt', '$gte', '$lt', '$lte']);
/**
 * Most ranges one plan may read (the product of the `$in` sizes over the equality prefix): a
 * bound on the cartesian product of a compound index, not on a plain `$in`. Past it the planner
 * drops the field from the prefix, which for a first field means no index at all — a full scan —
 * so it sits well above what callers send: populate's page of `_id`s, the server's lookup of a
 * local-mode batch (up to 2,000 entry keys).
 */
const MAX_RANGES = 20_000;

function isIndexableScalar(v: unknown): boolean {
  const r = typeRank(v);
  return r !== TypeRank.array && r !== TypeRank.regex && r !== TypeRank.minKey && r !== TypeRank.maxKey;
}

/** The value of an equality predicate (`{f: v}` or `{f: {$eq: v}}`), or undefined if not one. */
function equalityValue(pred: unknown): { value: unknown } | undefined {
  if (isPlainObject(pred)) {
    const keys = Object.keys(pred);
    if (keys.length === 1 && keys[0] === '$eq') return isIndexableScalar(pred.$eq) ? { value: pred.$eq } : undefined;
    if (keys.some((k) => k.startsWith('$'))) return undefined;
    return { value: pred };
  }
  return isIndexableScalar(pred) ? { value: pred } : undefined;
}

/**
 * The values an equality-like predicate allows: one for an equality, each (distinct) value of
 * `{$in: [...]}` — a one-element `$in` is exactly an equality.
 */
function pointValues(pred: unknown): unknown[] | undefined {
  const eq = equalityValue(pred);
  if (eq) return [eq.value];
  if (!isPlainObject(pred) || Object.keys(pred).length !== 1 || !Array.isArray(pred.$in)) return undefined;
  const values = pred.$in as unknown[];
  // An empty $in matches nothing; a regex or array element needs the full matcher.
  if (values.length === 0 || !values.every(isIndexableScalar)) return undefined;
  return values;
}

/**
 * The bounds of a range predicate. `highOpen`: the upper bound is a `$lt` on a date, whose keys
 * (fixed-width components) can stop just before it, so the range need not read the entries equal
 * to it (and can be exact).
 */
function rangeBounds(pred: unknown, multikey: boolean): { low?: unknown; high?: unknown; highOpen: boolean } | undefined {
  if (!isPlainObject(pred)) return undefined;
  const keys = Object.keys(pred);
  if (keys.length === 0 || !keys.every((k) => RANGE_OPS.has(k))) return undefined;
  let low: unknown;
  let high: unknown;
  let highOpen = false;
  for (const k of keys) {
    const v = pred[k];
    if (!isIndexableScalar(v) || v === null || v === undefined || isPlainObject(v)) return undefined;
    if (k === '$gt' || k === '$gte') low = v;
    else {
      // Any one upper bound holds every match (the filter needs them all).
      high = v;
      highOpen = k === '$lt' && validDate(v);
    }
  }
  // Different type brackets, or a multikey field whose elements may satisfy each side separately.
  if (low !== undefined && high !== undefined && (typeRank(low) !== typeRank(high) || multikey)) {
    high = undefined;
    highOpen = false;
  }
  return { low, high, highOpen };
}

const validDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());

/**
 * Whether the key range of `pred` holds exactly the documents it matches: date bounds, whose keys
 * are one fixed-width component per value, all under the date type's tag, which is exactly the
 * values a date comparison matches (type bracketing). Inclusive bounds (`$gte`/`$lte`) include
 * the keys equal to them; a `$lt` on an ascending field stops before them (`highOpen`); `$gt`
 * stays loose (the bound's keys are read and re-checked). So a count of "this agent's calls
 * since t" reads index entries, and a find of [from, to) sends documents without decoding them.
 */
function isExactDateRange(pred: unknown, range: { low?: unknown; high?: unknown; highOpen: boolean }, dir: number): boolean {
  if (!isPlainObject(pred)) return false;
  const keys = Object.keys(pred);
  const upper = keys.filter((k) => k === '$lte' || k === '$lt');
  const lower = keys.filter((k) => k === '$gte');
  if (upper.length + lower.length !== keys.length || upper.length > 1 || lower.length > 1) return false;
  const high = upper[0];
  return (
    (pred.$gte === undefined || (validDate(pred.$gte) && range.low === pred.$gte)) &&
    (high === undefined || (validDate(pred[high]) && range.high === pred[high] && (high === '$lte' || (range.highOpen && dir > 0))))
  );
}

function invert(b: Buffer): Buffer {
  return Buffer.from(b.map((x) => ~x & 0xff));
}

/**
 * Byte bounds for one key component; predicates are re-checked unless the plan is exact, so
 * bounds may be loose. `highOpen` (ascending only): keys equal to `high` are left out.
 */
function componentBounds(low: unknown, high: unknown, dir: number, highOpen = false): [Buffer, Buffer] {
  const tag = (typeRank(low ?? high) as number) * 0x10;
  if (dir > 0) {
    const lo = low !== undefined ? encodeKey([low], [1]) : Buffer.from([tag]);
    // Every key of the value `high` starts with its encoding, so it is not below it.
    const hi = high !== undefined ? (highOpen ? encodeKey([high], [1]) : Buffer.concat([encodeKey([high], [1]), TOP])) : Buffer.from([tag + 1]);
    return [lo, hi];
  }
  const lo = high !== undefined ? invert(encodeKey([high], [1])) : Buffer.from([0xff - tag]);
  const hi = low !== undefined ? Buffer.concat([invert(encodeKey([low], [1])), TOP]) : Buffer.from([0xff - tag + 1]);
  return [lo, hi];
}

/** `forced`: the client hinted this index, so it is read even without a bound or sort to gain. */
function planFor(ix: IndexState, filter: Document, sort: SortSpec, forced = false): { plan: IndexPlan; score: number } | undefined {
  const { fields, directions, maintained, fold } = ix.keyer;
  if (!maintained || fold || (!forced && (ix.spec.partialFilterExpression || ix.spec.hidden === true))) return undefined;
  const names = fields.map((f) => f.join('.'));
  // The equality prefix: each field allows one value (equality) or several ($in).
  const points: unknown[][] = [];
  let tuples = 1;
  for (const name of names) {
    const values = name in filter ? pointValues(filter[name]) : undefined;
    if (!values || tuples * values.length > MAX_RANGES) break;
    points.push(values);
    tuples *= values.length;
  }
  const e = points.length;
  // A sparse index lacks documents missing its fields: usable only when non-null equalities
  // on its first field exclude those documents anyway.
  if (!forced && ix.spec.sparse && (e === 0 || points[0]!.some((v) => v === null || v === undefined))) return undefined;
  const rangeField = names[e];
  const range = rangeField !== undefined ? rangeBounds(filter[rangeField], ix.multikey) : undefined;
  const bounds = range ? componentBounds(range.low, range.high, directions[e]!, range.highOpen) : undefined;
  const prefixes = new Map<string, Buffer>();
  for (const tuple of cartesian(points)) {
    const prefix = encodeKey(tuple, directions.slice(0, e));
    prefixes.set(prefix.toString('latin1'), prefix);
  }
  const ranges = [...prefixes.values()]
    .sort((a, b) => Buffer.compare(a, b))
    .map((prefix): KeyRange => ({
      lo: bounds ? Buffer.concat([prefix, bounds[0]]) : prefix,
      hi: Buffer.concat([prefix, bounds ? bounds[1] : TOP]),
      prefixLength: prefix.length,
    }));
  // As mongod: a sort key the filter holds to one value (a flat field of the equality prefix)
  // orders nothing, so {k: 'a'} sorted by {k: 1, t: 1} reads index {k, t} in order. (Sorting
  // 1,000,000 documents in memory to return the first took 17 s.)
  const fixed = new Set(names.slice(0, e).filter((name, i) => points[i]!.length === 1 && !ix.fieldIsMultikey(i)));
  const ordering = sort.filter(([p]) => !fixed.has(p.join('.')));
  let sortCovered = ordering.length === 0;
  let reverse = false;
  // As mongod with path-level multikey info: an array in the equality prefix leaves each
  // prefix's entries in the order of the fields after it, as long as those hold no arrays.
  const sortFieldsFlat = ordering.every((_, i) => !ix.fieldIsMultikey(e + i));
  if (!sortCovered && sortFieldsFlat && e + ordering.length <= names.length) {
    const same = ordering.every(([p, d], i) => p.join('.') === names[e + i] && d === directions[e + i]);
    const opposite = ordering.every(([p, d], i) => p.join('.') === names[e + i] && d === -directions[e + i]!);
    sortCovered = same || opposite;
    reverse = !same && opposite;
  }
  const exactRange = range === undefined || (rangeField !== undefined && isExactDateRange(filter[rangeField], range, directions[e]!));
  const exact =
    !forced && exactRange && !ix.multikey && Object.keys(filter).length === e + (range ? 1 : 0) &&
    points.every((values) => values.every(isExactPoint));
  // Each equality field is worth 10, an $in field a little less (several ranges to read).
  const prefixScore = points.reduce((sum, values) => sum + (values.length === 1 ? 10 : 8), 0);
  const score = prefixScore + (range ? 5 : 0) + (sortCovered && sort.length > 0 ? 3 : 0) + (ix.unique && e === names.length && tuples === 1 ? 1 : 0);
  if (score === 0 && !forced) return undefined;
  return { plan: { index: ix, ranges, reverse, sortCovered, exact }, score };
}

/**
 * Whether an equality value's index key holds exactly the documents it matches: strings, booleans,
 * numbers (not NaN) and valid dates — a date key is one fixed-width component under the date
 * type's tag, so no other type or value shares it (a rollup upsert's filter names its bucket's
 * start time).
 */
function isExactPoint(v: unknown): boolean {
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return !Number.isNaN(v);
  return v instanceof Date && !Number.isNaN(v.getTime());
}

/** Every combination of one value per field, in field order. */
function cartesian(points: unknown[][]): unknown[][] {
  let tuples: unknown[][] = [[]];
  for (const values of points) tuples = tuples.flatMap((t) => values.map((v) => [...t, v]));
  return tuples;
}

/**
 * How many index entries the planner reads to weigh indexes that score the same: enough to tell
 * a range that holds a handful from one that holds thousands, cheap enough (~0.1 ms) to pay on
 * every such query.
 */
const ESTIMATE_CAP = 1000;

/**
 * Picks the best index for equality prefix + range + sort, or undefined for a collection scan.
 * Indexes that score the same are weighed by how many entries their ranges hold (up to
 * ESTIMATE_CAP), as mongod's trial runs would find: `{agent, status: 'ERROR'}` sorted by id,
 * with indexes `{agent, id}` and `{status, id}`, read every one of the agent's entries through
 * the first to find none, where the second's range is empty.
 */
export function chooseIndex(coll: CollectionStore, filter: Document, sort: SortSpec): IndexPlan | undefined {
  let best: { plan: IndexPlan; score: number } | undefined;
  let tied: IndexPlan[] = [];
  for (const ix of coll.indexes.values()) {
    const candidate = planFor(ix, filter, sort);
    if (!candidate) continue;
    if (!best || candidate.score > best.score) {
      best = candidate;
      tied = [candidate.plan];
    } else if (candidate.score === best.score) tied.push(candidate.plan);
  }
  if (tied.length < 2) return best?.plan;
  let cheapest = tied[0]!;
  let fewest = Infinity;
  for (const plan of tied) {
    let n = 0;
    for (const r of plan.ranges) {
      n += plan.index.estimateRange(r.lo, r.hi, ESTIMATE_CAP - n);
      if (n >= ESTIMATE_CAP) break;
    }
    // Strictly fewer: at the cap (both large) the first index, as before, keeps the plan stable.
    if (n < fewest) {
      cheapest = plan;
      fewest = n;
    }
  }
  return cheapest;
}

/**
 * The plan a `hint` asks for (by index name or key pattern): that index, read over the bounds
 * the filter gives it or whole, so results come in its order as from mongod; `$natural` (or an
 * index whose entries are not stored, such as text) is a collection scan.
 */
export function hintedPlan(coll: CollectionStore, hint: unknown, filter: Document, sort: SortSpec): IndexPlan | undefined {
  const ix = [...coll.indexes.values()].find((i) => (typeof hint === 'string' ? i.spec.name === hint : isPlainObject(hint) && valuesEqual(i.spec.key, hint)));
  return ix ? planFor(ix, filter, sort, true)?.plan : undefined;
}
