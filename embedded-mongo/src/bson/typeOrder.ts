/**
 * MongoDB's canonical cross-type ordering ("Comparison/Sort Order" in the manual). Values of
 * different types never compare by value: a number is always below a string, a string below an
 * object, and so on. mingo gets some of these wrong, so sorting and index keys use this module.
 */
export const TypeRank = {
  minKey: 1,
  nullish: 2,
  number: 3,
  string: 4,
  object: 5,
  array: 6,
  binary: 7,
  objectId: 8,
  boolean: 9,
  date: 10,
  timestamp: 11,
  regex: 12,
  maxKey: 13,
} as const;

export type TypeRankValue = (typeof TypeRank)[keyof typeof TypeRank];

/** The `_bsontype` tag bson puts on its value classes (ObjectId, Long, Binary, ...). */
export function bsonTypeOf(v: object): string | undefined {
  const tag = (v as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

export function typeRank(v: unknown): TypeRankValue {
  if (v === null || v === undefined) return TypeRank.nullish;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return TypeRank.number;
    case 'string':
      return TypeRank.string;
    case 'boolean':
      return TypeRank.boolean;
    case 'object':
      break;
    case 'function':
    case 'symbol':
    case 'undefined':
      return TypeRank.string;
  }
  if (Array.isArray(v)) return TypeRank.array;
  if (v instanceof Date) return TypeRank.date;
  if (v instanceof RegExp) return TypeRank.regex;
  if (v instanceof Uint8Array) return TypeRank.binary;
  switch (bsonTypeOf(v)) {
    case 'Long':
    case 'Int32':
    case 'Double':
    case 'Decimal128':
      return TypeRank.number;
    case 'ObjectId':
      return TypeRank.objectId;
    case 'Binary':
    case 'UUID':
      return TypeRank.binary;
    case 'Timestamp':
      return TypeRank.timestamp;
    case 'BSONRegExp':
      return TypeRank.regex;
    case 'MinKey':
      return TypeRank.minKey;
    case 'MaxKey':
      return TypeRank.maxKey;
    case 'BSONSymbol':
    case 'Code':
      return TypeRank.string;
    case undefined:
    default:
      return TypeRank.object;
  }
}

/** Numeric value of any BSON number wrapper (precision beyond 2^53 is not needed for ordering). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const o = v as { toNumber?: () => number; valueOf?: () => unknown; toString: () => string };
  if (bsonTypeOf(v as object) === 'Decimal128') return Number.parseFloat(o.toString());
  if (typeof o.toNumber === 'function') return o.toNumber();
  return Number(o.valueOf?.());
}
