import { bsonTypeOf } from './typeOrder.js';

/**
 * BSON type names and numbers ($type's vocabulary), for values as this store holds them in
 * memory: a JS number is an int32 when bson would write it as one (a safe integer in int32
 * range, not -0) and a double otherwise; an integral double that must stay a double is a `Double`
 * wrapper and an int64 a `Long` (see bson/codec.ts).
 */
export const BSON_TYPES = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  dbPointer: 12,
  javascript: 13,
  symbol: 14,
  javascriptWithScope: 15,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
} as const;

export type BsonTypeName = keyof typeof BSON_TYPES;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** True when bson serializes this JS number as an int32 (mirrors bson's serializeNumber). */
export function isInt32Number(n: number): boolean {
  return Number.isSafeInteger(n) && n >= INT32_MIN && n <= INT32_MAX && !Object.is(n, -0);
}

/** The BSON type a value is stored as. */
export function bsonTypeName(v: unknown): BsonTypeName {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return isInt32Number(v) ? 'int' : 'double';
    case 'bigint':
      return 'long';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'javascript';
    case 'symbol':
      return 'symbol';
    case 'object':
      break;
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (v instanceof Uint8Array) return 'binData';
  switch (bsonTypeOf(v)) {
    case 'Long':
      return 'long';
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Decimal128':
      return 'decimal';
    case 'ObjectId':
      return 'objectId';
    case 'Binary':
    case 'UUID':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
    case 'BSONRegExp':
      return 'regex';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'BSONSymbol':
      return 'symbol';
    case 'Code':
      return (v as { scope?: unknown }).scope ? 'javascriptWithScope' : 'javascript';
    case 'DBRef':
    case undefined:
    default:
      return 'object';
  }
}

/** Numeric values of any BSON number type. */
export function isNumeric(v: unknown): boolean {
  const t = bsonTypeName(v);
  return t === 'int' || t === 'long' || t === 'double' || t === 'decimal';
}

/** The type names a `$type` argument (name, number or 'number') stands for, or undefined if invalid. */
export function typeNamesOf(spec: unknown): BsonTypeName[] | undefined {
  if (spec === 'number') return ['int', 'long', 'double', 'decimal'];
  if (typeof spec === 'string') return spec in BSON_TYPES ? [spec as BsonTypeName] : undefined;
  const n = typeof spec === 'number' ? spec : typeof spec === 'object' && spec !== null ? Number((spec as { valueOf(): unknown }).valueOf()) : NaN;
  const hit = (Object.entries(BSON_TYPES) as [BsonTypeName, number][]).find(([, code]) => code === n);
  return hit ? [hit[0]] : undefined;
}
