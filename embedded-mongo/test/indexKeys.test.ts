import { Long } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeKey } from '../src/bson/keyEncoding.js';
import { documentKeys, makeKeyer, pathValues, type IndexSpec } from '../src/storage/indexKeys.js';
import { compareKeys } from '../src/storage/pendingKeys.js';

/**
 * The keys as they were computed before each value was encoded once per document: every tuple
 * of the fan-out encoded whole, duplicates (same bytes) kept once with the last tuple's values.
 */
function referenceKeys(
  spec: IndexSpec,
  doc: Record<string, unknown>,
): { keys: Buffer[]; values: unknown[][] } {
  const keyer = makeKeyer(spec);
  const perField = keyer.fields.map((path) => pathValues(doc, path).values);
  if (spec.sparse && perField.every((vals) => vals.every((v) => v === undefined)))
    return { keys: [], values: [] };
  let tuples: unknown[][] = [[]];
  for (const vals of perField) tuples = tuples.flatMap((t) => vals.map((v) => [...t, v]));
  const seen = new Map<string, { key: Buffer; values: unknown[] }>();
  for (const t of tuples) {
    const key = encodeKey(keyer.fold ? t.map(keyer.fold) : t, keyer.directions);
    seen.set(key.toString('hex'), { key, values: t });
  }
  return {
    keys: [...seen.values()].map((s) => s.key),
    values: [...seen.values()].map((s) => s.values),
  };
}

// Few distinct values, so that arrays repeat them (a word twice in one entry, 1 and 1.0, 'A' and 'a').
const scalar = fc.oneof(
  fc.constantFrom('a', 'A', 'b', 'é', 'E\u0301', 'x\0y', '', '\ud800'),
  fc.constantFrom(1, 1.0, -0, 2.5, Long.fromNumber(1), Long.fromNumber(7)),
  fc.constantFrom(null, true, new Date(0)),
);
const fieldValue = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 6 }),
  fc.array(fc.record({ w: scalar }), { maxLength: 3 }),
);
const doc = fc.record(
  { a: fieldValue, b: fieldValue, c: fc.option(fc.record({ d: fieldValue }), { nil: undefined }) },
  { requiredKeys: ['a'] },
);
const spec = fc.record({
  key: fc.constantFrom<Record<string, number>[]>(
    { a: 1 },
    { a: 1, b: -1 },
    { b: -1, a: 1 },
    { 'a.w': 1, b: 1 },
    { a: 1, 'c.d': -1, b: 1 },
  ),
  sparse: fc.boolean(),
  collation: fc.constantFrom(
    undefined,
    { locale: 'en', strength: 2 },
    { locale: 'en', strength: 1 },
  ),
});

describe('index keys of a document', () => {
  it('are the keys of every tuple of the fan-out, duplicates once, in the same order with the same values', () => {
    fc.assert(
      fc.property(spec, doc, (s, d) => {
        const full: IndexSpec = {
          v: 2,
          name: 'ix',
          key: s.key,
          ...(s.sparse ? { sparse: true } : {}),
          ...(s.collation ? { collation: s.collation } : {}),
        };
        const got = documentKeys(makeKeyer(full), full, d);
        const want = referenceKeys(full, d);
        expect(got.keys.map((k) => k.toString('hex'))).toEqual(
          want.keys.map((k) => k.toString('hex')),
        );
        expect(got.values).toEqual(want.values);
      }),
      { numRuns: 3000 },
    );
  });

  it('give a multikey search-word index one key per distinct word, the id in each', () => {
    const ix: IndexSpec = { v: 2, name: 'terms_1_id_-1', key: { terms: 1, id: -1 } };
    const { keys, values, multikey } = documentKeys(makeKeyer(ix), ix, {
      id: 7,
      terms: ['pay', 'refund', 'pay', 'pay'],
    });
    expect(multikey).toBe(true);
    expect(values).toEqual([
      ['pay', 7],
      ['refund', 7],
    ]);
    expect(keys).toEqual([encodeKey(['pay', 7], [1, -1]), encodeKey(['refund', 7], [1, -1])]);
  });
});

describe('key encoding', () => {
  it('encodes a compound key as its components one after another', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.string()),
            fc.constantFrom(1, -1),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (parts) => {
          const whole = encodeKey(
            parts.map(([v]) => v),
            parts.map(([, d]) => d),
          );
          const pieces = Buffer.concat(parts.map(([v, d]) => encodeKey([v], [d])));
          expect(whole.toString('hex')).toBe(pieces.toString('hex'));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('writes strings as UTF-8 with 0x00 escaped, then 0x00 0x00', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.constantFrom('a\0b', '\0', '\ud800x', 'ü\0\0'),
        ),
        (s) => {
          const bytes = [...Buffer.from(s, 'utf8')].flatMap((b) => (b === 0 ? [0, 0xff] : [b]));
          expect(encodeKey([s], [1]).toString('hex')).toBe(
            Buffer.from([0x40, ...bytes, 0, 0]).toString('hex'),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('compares keys as memcmp does (SQLite BLOB order)', () => {
    fc.assert(
      // A shared prefix (short or long) and different tails: the keys of one word, of long strings.
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 12 }),
        fc.uint8Array({ maxLength: 12 }),
        (prefix, x, y) => {
          const a = Buffer.concat([prefix, x]);
          const b = Buffer.concat([prefix, y]);
          expect(Math.sign(compareKeys(a, b))).toBe(Buffer.compare(a, b));
          expect(Math.sign(compareKeys(x, b))).toBe(Buffer.compare(x, b));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
