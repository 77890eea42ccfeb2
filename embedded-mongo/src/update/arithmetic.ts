import { Long } from 'bson';
import { asDouble } from '../bson/codec.js';
import { bsonTypeName } from '../bson/typeNames.js';
import { decimalOp } from './decimal.js';

/**
 * `$inc` / `$mul` with MongoDB's numeric type promotion: decimal wins over double, double over
 * long, long over int; int32 arithmetic that overflows becomes a long; int64 overflow is an error.
 */
export type ArithmeticOp = '$inc' | '$mul';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return BigInt((v as { toString(): string }).toString());
}

function toDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  return Number((v as { toString(): string }).toString());
}

/**
 * The result of `current op amount`; `current` undefined means the field is missing ($inc sets
 * the amount, $mul sets a zero of the amount's type). Returns undefined on int64 overflow.
 */
export function arithmetic(current: unknown, amount: unknown, op: ArithmeticOp): unknown {
  if (current === undefined && op === '$inc') return amount;
  const a = current ?? 0;
  const ta = bsonTypeName(a);
  const tb = bsonTypeName(amount);
  if (ta === 'decimal' || tb === 'decimal') return decimalOp(a, amount, op === '$inc' ? 'add' : 'mul');
  if (ta === 'double' || tb === 'double') {
    const x = toDouble(a);
    const y = toDouble(amount);
    return asDouble(op === '$inc' ? x + y : x * y);
  }
  const r = op === '$inc' ? toBigInt(a) + toBigInt(amount) : toBigInt(a) * toBigInt(amount);
  if (ta === 'long' || tb === 'long' || r < -2147483648n || r > 2147483647n) {
    if (r < INT64_MIN || r > INT64_MAX) return undefined;
    return Long.fromBigInt(r);
  }
  return Number(r);
}
