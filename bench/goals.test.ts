import { describe, expect, it } from 'vitest';
import { cpuGoal } from './scenarios/policyEngine';
import { pairedDifference } from './stats';

/** A goal check must be able to fail: these pin the policy engine's paired-rounds verdict. */
describe('policy engine CPU goal (paired rounds, 95 % interval of the median ≤ 30 µs)', () => {
  const flat = Array.from({ length: 60 }, (_, i) => 3000 + ((i * 37) % 200));
  /** Rounds of the rule policy: flat + `delta` + a spread of ±`spread`, every 10th round +`job`. */
  const rounds = (delta: number, spread: number, job = 0) =>
    pairedDifference(
      flat.map(
        (x, i) => x + delta + (((i * 13) % (2 * spread + 1)) - spread) + (i % 10 === 0 ? job : 0),
      ),
      flat,
    );
  const history = rounds(7000, 50);
  const check = (rules: ReturnType<typeof rounds>, evalUs = 1.8) =>
    cpuGoal(rules, history, evalUs, 3010, 3000);

  it('is inconclusive, not met, when the interval is wider than the goal', () => {
    const g = check(rounds(0, 800));
    expect(g.met).toBe(false);
    expect(g.measured).toMatch(/^inconclusive: the interval is ±\d+ µs, wider than the goal/);
  });

  it('is met only when the upper end of the interval is within 30 µs', () => {
    expect(check(rounds(5, 10)).met).toBe(true);
    const over = check(rounds(33, 10));
    expect(over.met).toBe(false);
    expect(over.measured).toMatch(/^upper bound \+\d+ µs exceeds the goal/);
  });

  it('is not moved by a scheduled job in a few rounds, which the mean is', () => {
    const g = check(rounds(5, 10, 900));
    expect(g.met).toBe(true);
    expect(g.measured).toMatch(/mean \+\d{2,3} ± \d+/);
  });

  it('also needs the evaluation in process within 30 µs', () => {
    expect(check(rounds(5, 10), 31).met).toBe(false);
  });
});
