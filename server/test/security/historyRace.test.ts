import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';

// Attack review 10: history rules count the agent's earlier ALLOWED calls, and calls sent together
// each read the same past: 19 of 20 concurrent calls passed "at most 5 an hour", ten 9,000 loans
// passed "at most 50,000 a day". Decisions of an agent whose rules read history are now taken one
// at a time, from reading the counts to recording the verdict. Through a real server over HTTP.

const AGENT = 'HistoryRaceBot';
const POLICY = `
kind: AgentPolicy
agent: ${AGENT}
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
`;

let server: TestServer;
let agentKey: string;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: AGENT, allows: [] });
  expect((await admin.policies.applyRules.mutate({ yaml: POLICY, message: 'history' })).ok).toBe(true);
  agentKey = (await admin.keys.create.mutate({ name: 'history-race', role: 'agent', agents: [AGENT] })).key;
});
afterAll(() => server?.close());

/** `n` decisions sent at once, each on its own connection (as separate agent processes would). */
async function together(n: number, action: string, args: Record<string, unknown>) {
  const decisions = await Promise.all(
    Array.from({ length: n }, () => trpcClient(server.url, agentKey).sdk.decide.mutate({ agent: AGENT, action, args })),
  );
  return decisions.map((d) => d.verdict);
}

describe('history rules under concurrent calls', () => {
  it('20 calls at once under "at most 5 an hour": 5 allowed, the rest blocked', async () => {
    const verdicts = await together(20, 'access_ssn', { id: 1 });
    expect(verdicts.filter((v) => v === 'ALLOWED')).toHaveLength(5);
    expect(verdicts.filter((v) => v === 'BLOCKED')).toHaveLength(15);
  });

  it('ten 9,000 loans at once under "50,000 a day": 5 run, the others wait for a person', async () => {
    const verdicts = await together(10, 'process_application', { amount: 9000.0 });
    expect(verdicts.filter((v) => v === 'ALLOWED')).toHaveLength(5);
    expect(verdicts.filter((v) => v === 'REVIEW')).toHaveLength(5);
  });
});
