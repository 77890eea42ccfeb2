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
  it('sums exactly what the base buckets of the window hold, for any window, grains, traffic and hint of the oldest data', () => {
    const t0 = Date.UTC(2026, 10, 20);
    fc.assert(
      fc.property(
        fc.constantFrom<CoverTerm['g']>('m', 'h', 'd'),
        fc.constantFrom<CoverTerm['g']>('d', 'w'),
        fc.integer({ min: 0, max: 40 * DAY }),
        fc.integer({ min: 0, max: 35 * DAY }),
        fc.integer({ min: -2 * DAY, max: 3 * DAY }),
        fc.array(fc.integer({ min: 0, max: 80 * DAY }), { maxLength: 300 }),
        // `since` is a hint: right, too early, too late (data older than it), or none.
        fc.option(fc.integer({ min: -10 * DAY, max: 90 * DAY }), { nil: undefined }),
        (g, top, start, span, nowFromEnd, offsets, sinceOffset) => {
          const s = size[g];
          const from = t0 + start - ((t0 + start) % s);
          const to = from + Math.ceil(span / s) * s;
          const now = to + nowFromEnd;
          const calls = offsets.map((o) => t0 + o);
          const expected = calls.filter((t) => {
            const b = t - (t % s);
            return b >= from && b < to;
          }).length;
          const since = sinceOffset === undefined ? undefined : t0 + sinceOffset;
          const terms = coverTerms(g, from, to, now, top, since);
          // Only the grains the documents are kept at.
          if (top === 'd') expect(terms.every((term) => term.g !== 'w')).toBe(true);
          expect(terms.reduce((sum, term) => sum + read(term, calls).sum, 0)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads a handful of documents per agent where the buckets alone would be hundreds', () => {
    // An agent busy every minute: every bucket that started before `now` holds a document.
    const docsAt = (now: number, g: CoverTerm['g'], span: number) => {
      const from = now - span;
      const terms = coverTerms(g, from - (from % size[g]), now - (now % size[g]) + size[g], now);
      return terms.reduce(
        (n, term) =>
          n + Math.max(0, Math.ceil((Math.min(term.to, now) - term.from) / size[term.g])),
        0,
      );
    };
    // The most any `now` needs, over two weeks of starting minutes (every 7 minutes: all offsets
    // within an hour, a quarter day and a day come round).
    const most = (g: CoverTerm['g'], span: number) => {
      let max = 0;
      for (let now = Date.UTC(2026, 11, 1); now < Date.UTC(2026, 11, 15); now += 7 * MINUTE)
        max = Math.max(max, docsAt(now, g, span));
      return max;
    };
    // (Without the quarter-day documents, choosing edge by edge: 13 and 17 for the first two.)
    expect(most('h', DAY)).toBeLessThanOrEqual(6); // 25 hour buckets
    expect(most('h', 7 * DAY)).toBeLessThanOrEqual(9); // 169
    expect(most('d', 30 * DAY)).toBeLessThanOrEqual(8); // 31
    expect(most('m', 3 * HOUR)).toBeLessThanOrEqual(33); // 181
    expect(most('m', 15 * MINUTE)).toBeLessThanOrEqual(15);
    // A bucket that has not started holds nothing: the read is of the documents there are.
    const now = Date.UTC(2026, 11, 5, 14, 37, 12);
    const calls: number[] = [];
    for (let t = now - 40 * DAY; t < now; t += MINUTE) calls.push(t);
    const from = now - DAY;
    const terms = coverTerms('h', from - (from % HOUR), now - (now % HOUR) + HOUR, now);
    expect(terms.reduce((n, term) => n + read(term, calls).docs, 0)).toBe(docsAt(now, 'h', DAY));
  });

  it('skips documents of buckets older than the oldest data', () => {
    // Seven days of calls, every minute, up to now; the window is those seven days.
    const now = Date.UTC(2026, 11, 5, 11, 20);
    const since = now - 7 * DAY;
    const calls: number[] = [];
    for (let t = since; t < now; t += MINUTE) calls.push(t);
    const from = since - (since % HOUR);
    const to = now - (now % HOUR) + HOUR;
    const docs = (hint?: number) =>
      coverTerms('h', from, to, now, 'w', hint).reduce((n, t) => n + read(t, calls).docs, 0);
    // Knowing nothing older exists: the two weeks, minus their empty parts; without the hint, 4.
    expect(docs(since)).toBe(2);
    expect(docs()).toBe(4);
  });
});
