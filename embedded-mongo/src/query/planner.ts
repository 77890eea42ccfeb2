import type { Document } from 'bson';
import { encodeKey } from '../bson/keyEncoding.js';
import { TypeRank, typeRank } from '../bson/typeOrder.js';
import type { CollectionStore, IndexState } from '../storage/collection.js';
import { isPlainObject } from '../storage/indexKeys.js';
import type { SortSpec } from './sort.js';

/** An index range scan: keys in [lo, hi), read forward or backward. */
export interface IndexPlan {
  index: IndexState;
  lo: Buffer;
  hi: Buffer;
  reverse: boolean;
  /** True when reading the range in order already yields the requested sort. */
  sortCovered: boolean;
  /** True when the range matches exactly the filter, so documents need no re-check. */
  exact: boolean;
}

const TOP = Buffer.from([0xff]);
const RANGE_OPS = new Set(['$gt', '$gte', '$lt', '$lte']);

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

function rangeBounds(pred: unknown, multikey: boolean): { low?: unknown; high?: unknown } | undefined {
  if (!isPlainObject(pred)) return undefined;
  const keys = Object.keys(pred);
  if (keys.length === 0 || !keys.every((k) => RANGE_OPS.has(k))) return undefined;
  let low: unknown;
  let high: unknown;
  for (const k of keys) {
    const v = pred[k];
    if (!isIndexableScalar(v) || v === null || v === undefined || isPlainObject(v)) return undefined;
    if (k === '$gt' || k === '$gte') low = v;
    else high = v;
  }
  // Different type brackets, or a multikey field whose elements may satisfy each side separately.
  if (low !== undefined && high !== undefined && (typeRank(low) !== typeRank(high) || multikey)) high = undefined;
  return { low, high };
}

function invert(b: Buffer): Buffer {
  return Buffer.from(b.map((x) => ~x & 0xff));
}

/** Byte bounds for one key component; predicates are re-checked, so bounds may be loose. */
function componentBounds(low: unknown, high: unknown, dir: number): [Buffer, Buffer] {
  const tag = (typeRank(low ?? high) as number) * 0x10;
  if (dir > 0) {
    const lo = low !== undefined ? encodeKey([low], [1]) : Buffer.from([tag]);
    const hi = high !== undefined ? Buffer.concat([encodeKey([high], [1]), TOP]) : Buffer.from([tag + 1]);
    return [lo, hi];
  }
  const lo = high !== undefined ? invert(encodeKey([high], [1])) : Buffer.from([0xff - tag]);
  const hi = low !== undefined ? Buffer.concat([invert(encodeKey([low], [1])), TOP]) : Buffer.from([0xff - tag + 1]);
  return [lo, hi];
}

function planFor(ix: IndexState, filter: Document, sort: SortSpec): { plan: IndexPlan; score: number } | undefined {
  const { fields, directions, maintained } = ix.keyer;
  if (!maintained || ix.spec.partialFilterExpression) return undefined;
  const names = fields.map((f) => f.join('.'));
  const eqValues: unknown[] = [];
  for (const name of names) {
    const eq = equalityValue(filter[name]);
    if (!eq || !(name in filter)) break;
    eqValues.push(eq.value);
  }
  const e = eqValues.length;
  // A sparse index lacks documents missing its fields: usable only when a non-null equality
  // on its first field excludes those documents anyway.
  if (ix.spec.sparse && (e === 0 || eqValues[0] === null || eqValues[0] === undefined)) return undefined;
  const prefix = encodeKey(eqValues, directions.slice(0, e));
  let lo = prefix;
  let hi = Buffer.concat([prefix, TOP]);
  const rangeField = names[e];
  const range = rangeField !== undefined ? rangeBounds(filter[rangeField], ix.multikey) : undefined;
  if (range) {
    const [clo, chi] = componentBounds(range.low, range.high, directions[e]!);
    lo = Buffer.concat([prefix, clo]);
    hi = Buffer.concat([prefix, chi]);
  }
  let sortCovered = sort.length === 0;
  let reverse = false;
  if (!sortCovered && !ix.multikey && e + sort.length <= names.length) {
    const same = sort.every(([p, d], i) => p.join('.') === names[e + i] && d === directions[e + i]);
    const opposite = sort.every(([p, d], i) => p.join('.') === names[e + i] && d === -directions[e + i]!);
    sortCovered = same || opposite;
    reverse = !same && opposite;
  }
  const exact =
    !range && !ix.multikey && Object.keys(filter).length === e &&
    eqValues.every((v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && !Number.isNaN(v)));
  const score = e * 10 + (range ? 5 : 0) + (sortCovered && sort.length > 0 ? 3 : 0) + (ix.unique && e === names.length ? 1 : 0);
  if (score === 0) return undefined;
  return { plan: { index: ix, lo, hi, reverse, sortCovered, exact }, score };
}

/** Picks the best index for equality prefix + range + sort, or undefined for a collection scan. */
export function chooseIndex(coll: CollectionStore, filter: Document, sort: SortSpec): IndexPlan | undefined {
  let best: { plan: IndexPlan; score: number } | undefined;
  for (const ix of coll.indexes.values()) {
    const candidate = planFor(ix, filter, sort);
    if (candidate && (!best || candidate.score > best.score)) best = candidate;
  }
  return best?.plan;
}
