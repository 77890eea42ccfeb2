import { describe, expect, it } from 'vitest';
import { pairedDifference } from './stats';

describe('pairedDifference', () => {
  it('gives the sign-test interval of the median', () => {
    // n = 10: P(Bin(10, ½) ≤ 1) = 11/1024 ≈ 1.1 % ≤ 2.5 %, P(≤ 2) ≈ 5.5 %: k = 2 → [d(2), d(9)].
    const a = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const r = pairedDifference(a, new Array(10).fill(0));
    expect(r.median).toBe(55);
    expect([r.low, r.high]).toEqual([20, 90]);
    expect(r.mean).toBe(55);
  });

  it('is not moved by a few rounds that paid a large unrelated cost, where the mean is', () => {
    const b = Array.from({ length: 60 }, (_, i) => 2000 + (i % 7) * 3);
    const a = b.map((x, i) => x + 10 + (i % 5) - 2 + (i % 12 === 0 ? 900 : 0));
    const r = pairedDifference(a, b);
    expect(r.high).toBeLessThanOrEqual(12);
    expect(r.low).toBeGreaterThanOrEqual(8);
    expect(r.mean + r.plusMinus).toBeGreaterThan(80);
  });

  it('has no interval with too few rounds', () => {
    const r = pairedDifference([1, 2, 3], [0, 0, 0]);
    expect(r.high).toBe(Infinity);
  });
});
