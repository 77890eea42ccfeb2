import fc from 'fast-check';
import { serialize, type Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { topLevelString } from '../src/bson/rawField.js';
import { anyBsonValue } from './helpers/bsonValues.js';

const key = (s: string) => Buffer.from(s, 'utf8');

describe('topLevelString (a string field read from raw BSON)', () => {
  it('agrees with the decoder on random documents of every type', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('writer', 'a', 'b', 'wr', 'writers', 'é'), anyBsonValue, {
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
