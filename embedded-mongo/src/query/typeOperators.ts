import { bsonTypeName, typeNamesOf, type BsonTypeName } from '../bson/typeNames.js';
import { bsonTypeOf, toNumber } from '../bson/typeOrder.js';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';

type Predicate = (obj: Record<string, unknown>) => boolean;

/** The values a dotted path reaches, arrays kept whole at the leaf (and also traversed on the way). */
function leaves(v: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    out.push(v);
    return;
  }
  const part = parts[i]!;
  if (Array.isArray(v)) {
    if (/^\d+$/.test(part)) leaves(v[Number(part)], parts, i + 1, out);
    for (const e of v) if (isPlainObject(e)) leaves(e, parts, i, out);
  } else if (isPlainObject(v) && Object.hasOwn(v, part)) leaves(v[part], parts, i + 1, out);
}

function valuesAt(obj: Record<string, unknown>, selector: string): unknown[] {
  const out: unknown[] = [];
  leaves(obj, selector.split('.'), 0, out);
  return out;
}

/** `$type` by name, number, 'number' or a list of them, matching arrays and their elements as mongod does. */
export function $type(selector: string, spec: unknown): Predicate {
  const specs = Array.isArray(spec) ? (spec as unknown[]) : [spec];
  const names = new Set<BsonTypeName>();
  for (const s of specs) {
    const n = typeNamesOf(s);
    if (!n) throw mongoError('BadValue', typeof s === 'string' ? `Unknown type name alias: ${s}` : `Invalid numerical type code: ${JSON.stringify(s)}`);
    n.forEach((t) => names.add(t));
  }
  const is = (v: unknown) => names.has(bsonTypeName(v));
  return (obj) => valuesAt(obj, selector).some((v) => is(v) || (Array.isArray(v) && v.some((e) => !Array.isArray(e) && is(e))));
}

/** Bit positions of a `$bits*` argument: a non-negative integer mask, a list of positions, or BinData. */
function bitPositions(op: string, mask: unknown): number[] {
  if (Array.isArray(mask)) {
    if (!mask.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 0)) throw mongoError('BadValue', `bit positions must be non-negative integers for ${op}`);
    return mask as number[];
  }
  const bytes = binaryBytes(mask);
  if (bytes) {
    const out: number[] = [];
    bytes.forEach((b, i) => {
      for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) out.push(i * 8 + bit);
    });
    return out;
  }
  const t = bsonTypeName(mask);
  const num = t === 'int' || t === 'long' || t === 'double' ? toNumber(mask) : NaN;
  if (!Number.isInteger(num) || num < 0) throw mongoError('BadValue', `${op} takes an Array, a number, or a BinData but received: ${op}: ${JSON.stringify(mask)}`);
  const n = t === 'long' ? BigInt((mask as { toString(): string }).toString()) : BigInt(num);
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if ((n >> BigInt(i)) & 1n) out.push(i);
  return out;
}

function binaryBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  const tag = typeof v === 'object' && v !== null ? bsonTypeOf(v) : undefined;
  if (tag !== 'Binary' && tag !== 'UUID') return undefined;
  const b = v as { buffer: Uint8Array; position?: number };
  return b.buffer.subarray(0, b.position ?? b.buffer.length);
}

/** The bit test of one value; undefined when the value is not a number representable as int64 nor BinData. */
function bitsOf(v: unknown): ((position: number) => boolean) | undefined {
  const bytes = binaryBytes(v);
  if (bytes) return (p) => p < bytes.length * 8 && (bytes[p >> 3]! & (1 << (p & 7))) !== 0;
  const t = bsonTypeName(v);
  if (t !== 'int' && t !== 'long' && t !== 'double') return undefined;
  if (t === 'double' && !Number.isInteger(toNumber(v))) return undefined;
  const n = BigInt.asIntN(64, t === 'long' ? BigInt((v as { toString(): string }).toString()) : BigInt(toNumber(v)));
  return (p) => ((p > 63 ? n >> 63n : n >> BigInt(p)) & 1n) === 1n;
}

function bitsOperator(op: string, all: boolean, set: boolean) {
  return (selector: string, mask: unknown): Predicate => {
    const positions = bitPositions(op, mask);
    return (obj) =>
      valuesAt(obj, selector)
        .flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]))
        .some((v) => {
          const test = bitsOf(v);
          if (!test) return false;
          const hit = (p: number) => test(p) === set;
          return all ? positions.every(hit) : positions.some(hit);
        });
  };
}

/** mongod's `$type` and bit-test operators (mingo's miss BSON types and match missing fields). */
export const typeQueryOperators = {
  $type,
  $bitsAllSet: bitsOperator('$bitsAllSet', true, true),
  $bitsAnySet: bitsOperator('$bitsAnySet', false, true),
  $bitsAllClear: bitsOperator('$bitsAllClear', true, false),
  $bitsAnyClear: bitsOperator('$bitsAnyClear', false, false),
};
