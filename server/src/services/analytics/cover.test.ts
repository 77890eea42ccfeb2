import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coverTerms, LEVELS, type CoverTerm } from './cover';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const size = Object.fromEntries(LEVELS) as Record<CoverTerm['g'], number>;

/** Documents a term reads when calls were made at these times (one document per busy bucket). */
function read(term: CoverTerm, calls: readonly number[]): { docs: number; sum: number } {
  const buckets = new Map<number, number>();
  for (const t of calls) {
    const start = t - (t % size[term.g]);
    if (start >= term.from && start < term.to) buckets.set(start, (buckets.get(start) ?? 0) + 1);
  }
  let sum = 0;
  for (const n of buckets.values()) sum += n;
  return { docs: buckets.size, sum: term.sign * sum };
}

describe('coverTerms', () => {
  it('sums exactly what the base buckets of the window hold, for any window, grains and traffic', () => {
    const t0 = Date.UTC(2026, 10, 20);
    fc.assert(
      fc.property(
        fc.constantFrom<CoverTerm['g']>('m', 'h', 'd'),
        fc.constantFrom<CoverTerm['g']>('d', 'w'),
        fc.integer({ min: 0, max: 40 * DAY }),
        fc.integer({ min: 0, max: 35 * DAY }),
        fc.integer({ min: -2 * DAY, max: 3 * DAY }),
        fc.array(fc.integer({ min: 0, max: 80 * DAY }), { maxLength: 300 }),
        (g, top, start, span, nowFromEnd, offsets) => {
          const s = size[g];
          const from = t0 + start - ((t0 + start) % s);
          const to = from + Math.ceil(span / s) * s;
          const now = to + nowFromEnd;
          const calls = offsets.map((o) => t0 + o);
          const expected = calls.filter((t) => {
            const b = t - (t % s);
            return b >= from && b < to;
          }).length;
          const terms = coverTerms(g, from, to, now, top);
          // Only the grains the documents are kept at.
          if (top === 'd') expect(terms.every((term) => term.g !== 'w')).toBe(true);
          expect(terms.reduce((sum, term) => sum + read(term, calls).sum, 0)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads a handful of documents per agent where the buckets alone would be hundreds', () => {
    const now = Date.UTC(2026, 11, 5, 14, 37, 12);
    // An agent busy every minute of the last 40 days.
    const calls: number[] = [];
    for (let t = now - 40 * DAY; t < now; t += MINUTE) calls.push(t);
    const docs = (g: CoverTerm['g'], from: number) => {
      const terms = coverTerms(g, from - (from % size[g]), now - (now % size[g]) + size[g], now);
      return terms.reduce((n, term) => n + read(term, calls).docs, 0);
    };
    expect(docs('h', now - DAY)).toBeLessThanOrEqual(14); // 25 hour buckets
    expect(docs('h', now - 7 * DAY)).toBeLessThanOrEqual(21); // 169
    expect(docs('d', now - 30 * DAY)).toBeLessThanOrEqual(10); // 31
    expect(docs('m', now - 3 * HOUR)).toBeLessThanOrEqual(34); // 181
    expect(docs('m', now - 15 * MINUTE)).toBeLessThanOrEqual(16);
  });
});
