import type { Document } from 'bson';
import { compareValues } from '../bson/compare.js';
import { pathValues } from '../storage/indexKeys.js';
import { mongoError } from '../errors.js';
import { textScoreOf } from './textScore.js';

/** The sort path standing for `{$meta: 'textScore'}` (no field can have this name). */
export const TEXT_SCORE = '\0textScore';

export type SortSpec = [path: string[], direction: 1 | -1][];

/** Normalises a sort document; `{ $meta: ... }` entries (text score) are ignored. */
export function parseSort(sort: unknown): SortSpec {
  if (sort === undefined || sort === null) return [];
  if (typeof sort !== 'object' || Array.isArray(sort)) throw mongoError('BadValue', 'sort must be an object');
  const spec: SortSpec = [];
  for (const [field, dir] of Object.entries(sort as Document)) {
    if (typeof dir === 'object' && dir !== null && '$meta' in dir) {
      // Only the text score is a sortable $meta here; it sorts best first.
      if ((dir as Document).$meta === 'textScore') spec.push([[TEXT_SCORE], -1]);
      continue;
    }
    const n = Number(dir);
    if (n !== 1 && n !== -1) throw mongoError('BadValue', `$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    spec.push([field.split('.'), n]);
  }
  return spec;
}

/**
 * The value a document sorts by on one field: for arrays MongoDB uses the smallest element when
 * ascending and the largest when descending.
 */
function sortKey(doc: Document, path: string[], dir: 1 | -1, compare: Compare): unknown {
  if (path[0] === TEXT_SCORE) return textScoreOf(doc) ?? 0;
  const { values } = pathValues(doc, path);
  let best: unknown = values[0];
  for (const v of values.slice(1)) if (compare(v, best) * dir < 0) best = v;
  return best;
}

type Compare = (a: unknown, b: unknown) => number;

/** String comparison under a collation (strength 1 ignores case and accents, 2 only case). */
export function collatedCompare(collation: Document | undefined): Compare {
  if (!collation || collation.locale === 'simple') return compareValues;
  const sensitivity = collation.strength === 1 ? 'base' : collation.strength === 2 ? 'accent' : 'variant';
  const collator = new Intl.Collator(String(collation.locale).replace('_', '-'), { sensitivity, numeric: collation.numericOrdering === true });
  return (a, b) => (typeof a === 'string' && typeof b === 'string' ? collator.compare(a, b) : compareValues(a, b));
}

/** Sorts stably with MongoDB's cross-type order (mingo sorts Long/Decimal128 as strings). */
export function sortDocs<T extends { doc: Document }>(items: T[], spec: SortSpec, collation?: Document): T[] {
  if (spec.length === 0) return items;
  const compare = collatedCompare(collation);
  const keyed = items.map((item, i) => ({ item, i, keys: spec.map(([p, d]) => sortKey(item.doc, p, d, compare)) }));
  keyed.sort((a, b) => {
    for (let k = 0; k < spec.length; k++) {
      const r = compare(a.keys[k], b.keys[k]) * spec[k]![1];
      if (r !== 0) return r;
    }
    return a.i - b.i;
  });
  return keyed.map((k) => k.item);
}
