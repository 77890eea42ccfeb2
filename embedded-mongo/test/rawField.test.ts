import fc from 'fast-check';
import {
  Binary,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
  BSONRegExp,
  type Document,
} from 'bson';
import { describe, expect, it } from 'vitest';
import { topLevelString } from '../src/bson/rawField.js';

const key = (s: string) => Buffer.from(s, 'utf8');

/** Values of every BSON type the walker must step over. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true }).map((d) => new Double(d)),
  fc.integer().map((n) => new Int32(n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
  fc.constant(new ObjectId('656e6f7567686279746573a1')),
  fc.uint8Array({ maxLength: 20 }).map((b) => new Binary(b)),
  fc.constant(new BSONRegExp('a.*b', 'i')),
  fc.constant(new Timestamp({ t: 5, i: 1 })),
  fc.constant(Decimal128.fromString('1.5')),
  fc.constant(new MinKey()),
  fc.constant(new MaxKey()),
  fc.constant(new Code('x()')),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
);

describe('topLevelString (a string field read from raw BSON)', () => {
  it('agrees with the decoder on random documents of every type', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('writer', 'a', 'b', 'wr', 'writers', 'é'), anyValue, {
          maxKeys: 6,
        }),
        (doc) => {
          const bytes = Buffer.from(serialize(doc as Document));
          for (const field of ['writer', 'a', 'é', 'missing']) {
            const value = doc[field];
            expect(topLevelString(bytes, key(field))).toBe(
              typeof value === 'string' ? value : undefined,
            );
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('answers undefined for truncated or damaged bytes instead of throwing', () => {
    const bytes = Buffer.from(serialize({ a: 'x', writer: 'me', b: { c: 1 } }));
    for (let n = 0; n < bytes.length; n++)
      expect(() => topLevelString(bytes.subarray(0, n), key('writer'))).not.toThrow();
    const damaged = Buffer.from(bytes);
    damaged.writeInt32LE(-5, 7); // the first string's length
    expect(topLevelString(damaged, key('writer'))).toBeUndefined();
  });
});
