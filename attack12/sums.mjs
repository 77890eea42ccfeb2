/* global URL */
// Attack: the README's flagship volume rule (examples/policies/loan_processor.yaml, daily-volume:
// `history.sum(...) + args.amount > 50000.0` → REVIEW) against a negative amount first: the sum
// adds what calls sent, and a call counts once allowed, whatever its tool did with it.
import { readFileSync } from 'node:fs';
import { agentWithPolicy, client, result, tag } from './common.mjs';

const name = `loan${tag()}`;
const yaml = readFileSync(new URL('../examples/policies/loan_processor.yaml', import.meta.url), 'utf8').replace(
  'agent: loan_processor',
  `agent: ${name}`,
);
const me = client(await agentWithPolicy(name, yaml)).api;
const first = await me.sdk.decide.mutate({ agent: name, action: 'process_application', args: { amount: -1000000.0 } });
if (first.verdict === 'ALLOWED')
  await me.sdk.complete.mutate({ callId: first.callId, outcome: 'error', durationMs: 1, error: 'amount must be positive' });
const verdicts = {};
for (let i = 0; i < 80; i++) {
  const d = await me.sdk.decide.mutate({ agent: name, action: 'process_application', args: { amount: 1000.0 } });
  verdicts[d.verdict] = (verdicts[d.verdict] ?? 0) + 1;
}
result(
  'a loan of -1,000,000, then 80 loans of 1,000: at most 50,000 a day without a person',
  (verdicts.ALLOWED ?? 0) <= 50,
  `the negative loan ${first.verdict} (${first.reason}); then ${JSON.stringify(verdicts)}`,
);
