import fc from 'fast-check';
import {
  Binary,
  BSONRegExp,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from 'bson';

/**
 * Values of every BSON type, with the ones a decoder could change on the way through: a double
 * that is a whole number, Int32 inside arrays, Decimal128 with a trailing zero, non-ASCII keys.
 */
export const anyBsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true }).map((d) => new Double(d)),
  fc.constant(new Double(1)),
  fc.integer().map((n) => new Int32(n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
  fc.constant(new ObjectId('656e6f7567686279746573a1')),
  fc.uint8Array({ maxLength: 20 }).map((b) => new Binary(b)),
  fc.constant(new BSONRegExp('a.*b', 'i')),
  fc.constant(new Timestamp({ t: 5, i: 1 })),
  fc.constant(Decimal128.fromString('1.50')),
  fc.constant(new MinKey()),
  fc.constant(new MaxKey()),
  fc.constant(new Code('x()')),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.array(fc.integer().map((n) => new Int32(n)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
  fc.dictionary(fc.constantFrom('x', 'y', 'é'), fc.string(), { maxKeys: 3 }),
);
