import { Decimal128, Long, type Document } from 'bson';
import { bsonTypeOf } from '../bson/typeOrder.js';
import { isPlainObject } from '../storage/indexKeys.js';

const isWrapper = (v: unknown): boolean => typeof v === 'object' && v !== null && ['Long', 'Decimal128', 'Int32', 'Double'].includes(bsonTypeOf(v) ?? '');

function getPath(doc: Document, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) cur = isPlainObject(cur) ? cur[part] : undefined;
  return cur;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Document = doc;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Document;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** The decimal text of any number or BSON number wrapper (all of which print their value). */
const text = (v: unknown): string => (v === undefined || v === null ? '0' : (v as { toString(): string }).toString());

function combine(a: unknown, b: unknown, op: '$inc' | '$mul'): unknown {
  const kinds = [bsonTypeOf(a as object), bsonTypeOf(b as object)];
  if (kinds.includes('Decimal128')) {
    const x = Number(text(a));
    const y = Number(text(b));
    return Decimal128.fromString(String(op === '$inc' ? x + y : x * y));
  }
  const isInt = (v: unknown) => (typeof v === 'number' && Number.isInteger(v)) || bsonTypeOf(v as object) === 'Long' || bsonTypeOf(v as object) === 'Int32';
  if (isInt(a ?? 0) && isInt(b)) {
    const x = BigInt(text(a));
    const y = BigInt(text(b));
    return Long.fromBigInt(op === '$inc' ? x + y : x * y);
  }
  const x = Number(text(a));
  const y = Number(text(b));
  return op === '$inc' ? x + y : x * y;
}

/**
 * Applies $inc/$mul entries that involve Long or Decimal128 values (which mingo ignores or
 * rejects), exactly for int64 and via doubles for Decimal128, and returns the modifier without
 * them for mingo to finish.
 */
export function applyWrapperArithmetic(doc: Document, modifier: Document): Document {
  let rest = modifier;
  for (const op of ['$inc', '$mul'] as const) {
    const fields = modifier[op] as Document | undefined;
    if (!fields) continue;
    const remaining: Document = {};
    for (const [path, amount] of Object.entries(fields) as [string, unknown][]) {
      const current = getPath(doc, path);
      if (isWrapper(amount) || isWrapper(current)) setPath(doc, path, combine(current, amount, op));
      else remaining[path] = amount;
    }
    rest = { ...rest, [op]: remaining };
    if (Object.keys(remaining).length === 0) delete rest[op];
  }
  return rest;
}
