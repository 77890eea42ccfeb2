import type { Document } from 'bson';
import { isPlainObject } from '../storage/indexKeys.js';

/** True for collations that compare strings case-insensitively (strength 1 or 2). */
export function caseInsensitive(collation: Document | undefined): boolean {
  const strength = Number(collation?.strength ?? 3);
  return collation !== undefined && collation.locale !== 'simple' && strength <= 2;
}

function exact(s: string): RegExp {
  return new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i');
}

function rewriteValue(v: unknown): unknown {
  if (typeof v === 'string') return exact(v);
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const [op, arg] of Object.entries(v)) {
    if (op === '$eq' && typeof arg === 'string') out.$regex = exact(arg);
    else if ((op === '$in' || op === '$nin') && Array.isArray(arg)) out[op] = arg.map((a) => (typeof a === 'string' ? exact(a) : (a as unknown)));
    else if (op === '$ne' && typeof arg === 'string') out.$not = exact(arg);
    else out[op] = arg;
  }
  return out;
}

/**
 * Applies a case-insensitive collation to a filter by turning string equality into anchored,
 * case-insensitive regexes: mingo matches strings exactly whatever collation it is given.
 */
export function collateFilter(filter: Document, collation: Document | undefined): Document {
  if (!caseInsensitive(collation)) return filter;
  const out: Document = {};
  for (const [key, value] of Object.entries(filter)) {
    if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(value)) {
      out[key] = value.map((clause) => collateFilter(clause as Document, collation));
    } else out[key] = key.startsWith('$') ? (value as unknown) : rewriteValue(value);
  }
  return out;
}
