/**
 * Policy engine speed, outside the test suite: `npx tsx shared/scripts/policyBench.ts`.
 * Compile of 1,000 rules (target ≤ 100 ms) and evaluatePolicy p50 with a 100-rule policy,
 * 20 rules with CEL and 5 with history (target ≤ 20 µs).
 */
import { compilePolicyOrThrow, evaluatePolicy, historyKey, policySet } from '../src';

function rules(n: number, withCel: number, withHistory: number) {
  return Array.from({ length: n }, (_, i) => {
    const action = `tool_${i % 50}`;
    if (i < withHistory) return { id: `h${i}`, actions: [action], when: `history.count('${action}', duration('1h')) > 100`, effect: 'BLOCK' as const };
    if (i < withCel) return { id: `c${i}`, actions: [action, 'transfer_*'], when: `args.amount > ${1000 + i}.0 && action.startsWith("t")`, effect: 'REVIEW' as const };
    return { id: `r${i}`, actions: [i % 10 === 0 ? `${action}_*` : action], effect: (i % 3 === 0 ? 'BLOCK' : 'ALLOW') };
  });
}

const compileRounds: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'a', rules: rules(1000, 200, 50) });
  compileRounds.push(performance.now() - t0);
}
compileRounds.sort((a, b) => a - b);
console.log(`compile 1,000 rules (200 CEL, 50 history): median ${compileRounds[2]!.toFixed(1)} ms (first ${compileRounds[0]!.toFixed(1)} … ${compileRounds[4]!.toFixed(1)})`);

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
