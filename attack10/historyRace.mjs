// Attack: history rules (a count per hour, a sum per day) against calls sent together, and
// against argument shapes the sum does not read. Each call is decided on what the log held
// when it was decided: do concurrent calls each see an empty history?
import { agentWithPolicy, client, result, tag } from './common.mjs';

const agent = `Hist${tag()}`;
const key = await agentWithPolicy(
  agent,
  `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: five-an-hour
    actions: [access_ssn]
    when: history.count('access_ssn', duration('1h')) >= 5
    effect: BLOCK
  - id: split-loans
    actions: [process_application]
    when: history.sum('process_application', 'amount', duration('24h')) + args.amount > 50000.0
    effect: REVIEW
`,
);
const me = client(key).api;

const burst = (n, action, args) =>
  Promise.all(Array.from({ length: n }, () => me.sdk.decide.mutate({ agent, action, args }).catch((e) => ({ verdict: `ERR ${e.message}` }))));

const counts = (ds) => ds.reduce((m, d) => ((m[d.verdict] = (m[d.verdict] ?? 0) + 1), m), {});

const c = await burst(20, 'access_ssn', { id: 1 });
const allowed = c.filter((d) => d.verdict === 'ALLOWED').length;
result('20 concurrent calls under "at most 5 an hour": at most 5 allowed', allowed <= 5, JSON.stringify(counts(c)));

const s = await burst(10, 'process_application', { amount: 9000.0 });
const sAllowed = s.filter((d) => d.verdict === 'ALLOWED').length;
result('10 concurrent 9,000 loans under "50,000 a day": at most 5 allowed', sAllowed <= 5, `${JSON.stringify(counts(s))} — ${sAllowed * 9000} allowed`);

// Shapes: a string amount, a nested amount — must not run unreviewed once the day's sum is high.
for (const [name, args] of Object.entries({ 'amount as a string': { amount: '49000' }, 'amount as a list': { amount: [49000] }, 'amount as an int': { amount: 49000 }, 'amount as 1e308*10 (Infinity via REST JSON)': null })) {
  if (!args) continue;
  const d = await me.sdk.decide.mutate({ agent, action: 'process_application', args });
  result(`split-loans with ${name}: not allowed unreviewed`, d.verdict !== 'ALLOWED', `${d.verdict}: ${d.reason.slice(0, 100)}`);
}
