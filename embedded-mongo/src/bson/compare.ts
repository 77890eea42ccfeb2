import { bsonTypeOf, toNumber, TypeRank, typeRank } from './typeOrder.js';

interface TimestampLike {
  getHighBitsUnsigned(): number;
  getLowBitsUnsigned(): number;
}

function cmp<T extends number | string | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumbers(a: unknown, b: unknown): number {
  // Exact comparison for two int64s; everything else is compared as doubles, NaN lowest.
  if (bsonTypeOf(a as object) === 'Long' && bsonTypeOf(b as object) === 'Long') {
    return cmp(BigInt(String(a)), BigInt(String(b)));
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return cmp(x, y);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function binaryParts(v: unknown): { sub: number; bytes: Uint8Array } {
  if (v instanceof Uint8Array) return { sub: 0, bytes: v };
  const b = v as { sub_type: number; buffer: Uint8Array; position?: number };
  return { sub: b.sub_type, bytes: b.buffer.subarray(0, b.position ?? b.buffer.length) };
}

function compareObjects(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const fa = ka[i]!;
    const fb = kb[i]!;
    const r = cmp(typeRank(a[fa]), typeRank(b[fb])) || cmp(fa, fb) || compareValues(a[fa], b[fb]);
    if (r !== 0) return r;
  }
  return cmp(ka.length, kb.length);
}

/** Total order over BSON values exactly as MongoDB sorts them (no collation). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case TypeRank.minKey:
    case TypeRank.maxKey:
    case TypeRank.nullish:
      return 0;
    case TypeRank.number:
      return compareNumbers(a, b);
    case TypeRank.string:
      return cmp(String(a), String(b));
    case TypeRank.boolean:
      return cmp(Number(a), Number(b));
    case TypeRank.date:
      return cmp((a as Date).getTime(), (b as Date).getTime());
    case TypeRank.objectId:
      return cmp((a as { toHexString(): string }).toHexString(), (b as { toHexString(): string }).toHexString());
    case TypeRank.binary: {
      const x = binaryParts(a);
      const y = binaryParts(b);
      return cmp(x.bytes.length, y.bytes.length) || cmp(x.sub, y.sub) || compareBytes(x.bytes, y.bytes);
    }
    case TypeRank.timestamp: {
      const x = a as TimestampLike;
      const y = b as TimestampLike;
      return cmp(x.getHighBitsUnsigned(), y.getHighBitsUnsigned()) || cmp(x.getLowBitsUnsigned(), y.getLowBitsUnsigned());
    }
    case TypeRank.regex:
      return cmp(String(a), String(b));
    case TypeRank.array: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const r = compareValues(x[i], y[i]);
        if (r !== 0) return r;
      }
      return cmp(x.length, y.length);
    }
    case TypeRank.object:
      return compareObjects(a as Record<string, unknown>, b as Record<string, unknown>);
  }
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0;
}
