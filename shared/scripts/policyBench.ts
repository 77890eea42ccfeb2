/**
 * Policy engine speed, outside the test suite: `npx tsx shared/scripts/policyBench.ts`.
 * Compile of 1,000 rules (target ≤ 100 ms) and evaluatePolicy p50 with a 100-rule policy,
 * 20 rules with CEL and 5 with history (target ≤ 20 µs).
 */
import { compilePolicyOrThrow, evaluatePolicy, historyKey, policySet } from '../src';

/** `salt` changes every condition's text, so nothing is served from the expression cache. */
function rules(n: number, withCel: number, withHistory: number, salt = 0) {
  return Array.from({ length: n }, (_, i) => {
    const action = `tool_${i % 50}`;
    if (i < withHistory) return { id: `h${i}`, actions: [action], when: `history.count('${action}', duration('1h')) > ${100 + salt}`, effect: 'BLOCK' as const };
    if (i < withCel) return { id: `c${i}`, actions: [action, 'transfer_*'], when: `args.amount > ${1000 + i + salt * 1000}.0 && action.startsWith("t")`, effect: 'REVIEW' as const };
    return { id: `r${i}`, actions: [i % 10 === 0 ? `${action}_*` : action], effect: (i % 3 === 0 ? 'BLOCK' : 'ALLOW') };
  });
}

const timed = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const compile = (salt: number) => () => compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'a', rules: rules(1000, 200, 50, salt) });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The first compile in a process pays for loading and JIT-compiling the compiler itself.
const first = timed(compile(1));
// A new policy: every condition new to this process.
const fresh = Array.from({ length: 7 }, (_, r) => timed(compile(r + 2)));
// A new version of a known policy (the usual apply): its conditions come from the cache.
const again = Array.from({ length: 7 }, () => timed(compile(2)));
console.log(`compile 1,000 rules (200 CEL, 50 history): first in process ${first.toFixed(1)} ms; new conditions median ${median(fresh).toFixed(1)} ms (${Math.min(...fresh).toFixed(1)} … ${Math.max(...fresh).toFixed(1)}); a new version of a known policy median ${median(again).toFixed(1)} ms`);

const set = policySet({ agent: compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'a', rules: rules(100, 20, 5) }) });
const facts = { history: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [historyKey({ kind: 'count', action: `tool_${i}`, windowMs: 3_600_000 }), 3])) };
const calls = Array.from({ length: 50 }, (_, i) => ({ agent: { name: 'a' }, action: `tool_${i}`, args: { amount: 500 + i * 40 } }));
for (let i = 0; i < 20_000; i++) evaluatePolicy(set, calls[i % 50]!, { facts });
const samples: number[] = [];
for (let i = 0; i < 50_000; i++) {
  const t0 = process.hrtime.bigint();
  evaluatePolicy(set, calls[i % 50]!, { facts });
  samples.push(Number(process.hrtime.bigint() - t0) / 1000);
}
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.floor((samples.length * p) / 100)]!.toFixed(2);
console.log(`evaluatePolicy, 100 rules (20 CEL, 5 history): p50 ${pct(50)} µs, p90 ${pct(90)} µs, p99 ${pct(99)} µs`);
