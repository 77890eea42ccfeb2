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

// Attack review 12: the seed's REST clients run a call when their poll (GET
// /sdk/approval-status/{id}) reads it APPROVED — the poll redeems the approval, a decision of its
// own. It was not taken in turn with the agent's others: two approved wires polled at once both
// ran under "one wire an hour".
const POLLER = 'HistoryPollBot';
const POLLER_POLICY = `
kind: AgentPolicy
agent: ${POLLER}
default: ALLOW
rules:
  - id: one-wire-an-hour
    actions: [wire]
    when: history.count('wire', duration('1h')) >= 1
    effect: BLOCK
  - id: review-wires
    actions: [wire]
    effect: REVIEW
`;

let server: TestServer;
let agentKey: string;
let pollerKey: string;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: AGENT, allows: [] });
  expect((await admin.policies.applyRules.mutate({ yaml: POLICY, message: 'history' })).ok).toBe(true);
  agentKey = (await admin.keys.create.mutate({ name: 'history-race', role: 'agent', agents: [AGENT] })).key;
  await admin.sdk.registerAgent.mutate({ name: POLLER, allows: [] });
  expect((await admin.policies.applyRules.mutate({ yaml: POLLER_POLICY, message: 'poll' })).ok).toBe(true);
  pollerKey = (await admin.keys.create.mutate({ name: 'history-poll', role: 'agent', agents: [POLLER] })).key;
});

/** A seed REST request with the poller's key, on a connection of its own. */
async function seed(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${pollerKey}`, 'content-type': 'application/json', connection: 'close' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, path).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** A wire asked over the seed protocol (REVIEW) and approved by the admin. */
async function approvedWire(amount: number): Promise<number> {
  const asked = await seed('POST', '/sdk/approval', {
    agent_name: POLLER,
    action: 'wire',
    args_json: JSON.stringify({ amount }),
  });
  const id = asked.approval_id as number;
  await trpcClient(server.url, server.adminKey).approvals.decide.mutate({ id, decision: 'APPROVED' });
  return id;
}
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

  it('two approved wires redeemed at once under "one wire an hour": one runs', async () => {
    const a = await approvedWire(1);
    const b = await approvedWire(2);
    const c = await approvedWire(3);
    const [pollA, pollB, decided] = await Promise.all([
      seed('GET', `/sdk/approval-status/${a}`),
      seed('GET', `/sdk/approval-status/${b}`),
      trpcClient(server.url, pollerKey).sdk.decide.mutate({ agent: POLLER, action: 'wire', args: { amount: 3 } }),
    ]);
    const ran = [pollA.status === 'APPROVED', pollB.status === 'APPROVED', decided.verdict === 'ALLOWED'];
    expect(ran.filter(Boolean), JSON.stringify({ pollA, pollB, decided, c })).toHaveLength(1);
  });
});
