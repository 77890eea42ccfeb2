import { describe, expect, it } from 'vitest';
import { cpuGoal } from './scenarios/policyEngine';

/** A goal check must be able to fail: these pin the policy engine's paired-rounds verdict. */
describe('policy engine CPU goal (paired rounds, mean + 2·SE ≤ 30 µs)', () => {
  const history = { us: 7000, plusMinus: 3000 };
  const check = (us: number, plusMinus: number, evalUs = 1.8) =>
    cpuGoal({ us, plusMinus }, history, evalUs, 5, 3000 + us, 3000);

  it('is inconclusive, not met, when the noise is wider than the goal', () => {
    const g = check(499, 814);
    expect(g.met).toBe(false);
    expect(g.measured).toMatch(/^inconclusive: noise ±814 µs exceeds the goal/);
    // even when the mean looks good
    expect(check(-270, 421).met).toBe(false);
  });

  it('is met only when the upper bound is within 30 µs', () => {
    expect(check(5, 20).met).toBe(true);
    expect(check(12, 18).met).toBe(true);
    const over = check(25, 10);
    expect(over.met).toBe(false);
    expect(over.measured).toMatch(/^upper bound \+35 µs exceeds the goal/);
  });

  it('also needs the evaluation in process within 30 µs', () => {
    expect(check(5, 20, 31).met).toBe(false);
  });
});
