import { Long, MaxKey, MinKey, ObjectId } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareValues } from '../src/bson/compare.js';
import { encodeKey } from '../src/bson/keyEncoding.js';

const sign = (n: number): number => Math.sign(n) || 0; // folds -0 into 0

const scalar = fc.oneof(
  fc.constant(null),
  fc.double({ noNaN: true }),
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => new ObjectId(b)),
  fc.bigInt({ min: -(2n ** 50n), max: 2n ** 50n }).map((b) => Long.fromBigInt(b)),
  fc.constantFrom(new MinKey(), new MaxKey()),
);
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 3 }));

describe('order-preserving key encoding', () => {
  it('sorts encoded keys (memcmp) exactly as MongoDB orders the values', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sign(Buffer.compare(encodeKey([a], [1]), encodeKey([b], [1])))).toBe(sign(compareValues(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reverses the order of descending components and keeps compound keys lexicographic', () => {
    fc.assert(
      fc.property(scalar, scalar, scalar, scalar, (a1, a2, b1, b2) => {
        const expected = sign(compareValues(a1, b1)) || sign(-compareValues(a2, b2));
        expect(sign(Buffer.compare(encodeKey([a1, a2], [1, -1]), encodeKey([b1, b2], [1, -1])))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('places the types in MongoDB cross-type order', () => {
    const ordered = [new MinKey(), null, -1, 'a', { a: 1 }, [1], new ObjectId(), false, new Date(0), new MaxKey()];
    const encoded = ordered.map((v) => encodeKey([v], [1]));
    expect([...encoded].sort((x, y) => Buffer.compare(x, y))).toEqual(encoded);
  });
});
