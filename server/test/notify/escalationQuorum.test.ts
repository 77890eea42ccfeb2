import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { startReceiver, type Receiver } from './receiver';

process.env.AEGIS_NOTIFY_TICK_MS = '100';
process.env.AEGIS_NOTIFY_RETRY_MS = '100';

// Wires need two people; nobody deciding within 300 ms brings in on-call.
const POLICY = `
kind: AgentPolicy
agent: TreasuryBot
rules:
  - id: two-person-wires
    actions: [wire]
    effect: REVIEW
    notify: [first-line]
    approval:
      quorum: 2
      sla: 300ms
      escalate: [on-call]
`;

let server: TestServer;
let firstLine: Receiver;
let onCall: Receiver;
let admin: ReturnType<typeof trpcClient>;
let ann: ReturnType<typeof trpcClient>;
let bob: ReturnType<typeof trpcClient>;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = trpcClient(server.url, server.adminKey);
  firstLine = await startReceiver();
  onCall = await startReceiver();
  await admin.channels.create.mutate({ name: 'first-line', kind: 'webhook', url: firstLine.url });
  await admin.channels.create.mutate({ name: 'on-call', kind: 'webhook', url: onCall.url });
  ann = trpcClient(
    server.url,
    (await admin.keys.create.mutate({ name: 'ann', role: 'reviewer' })).key,
  );
  bob = trpcClient(
    server.url,
    (await admin.keys.create.mutate({ name: 'bob', role: 'reviewer' })).key,
  );
  await admin.sdk.registerAgent.mutate({ name: 'TreasuryBot', allows: ['read'] });
  await admin.policies.applyRules.mutate({ yaml: POLICY });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await firstLine?.close();
  await onCall?.close();
});

describe('escalation', () => {
  it('tells the next tier once when the SLA lapses, and shows it on the approval', async () => {
    const d = await admin.sdk.decide.mutate({
      agent: 'TreasuryBot',
      action: 'wire',
      args: { amount: 50_000 },
    });
    const id = d.approvalId!;
    const [opened] = await firstLine.waitFor(1);
    expect(JSON.parse(opened!.body)).toMatchObject({
      type: 'approval.opened',
      approval: { id, quorum: 2 },
    });
    const [escalated] = await onCall.waitFor(1);
    expect(JSON.parse(escalated!.body)).toMatchObject({
      type: 'approval.escalated',
      approval: { id },
    });
    const approval = await admin.approvals.byId.query({ id });
    expect(approval.escalatedTo).toEqual(['on-call']);
    expect(approval.escalatedAt).not.toBeNull();
    // Several more sweeps pass: on-call is not told again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      onCall.received.filter(
        (r) => (JSON.parse(r.body) as { approval: { id: number } }).approval.id === id,
      ),
    ).toHaveLength(1);
  });
});

describe('quorum', () => {
  it('needs approvals from two different people; one person twice does not count', async () => {
    const d = await admin.sdk.decide.mutate({
      agent: 'TreasuryBot',
      action: 'wire',
      args: { amount: 75_000 },
    });
    const id = d.approvalId!;
    const first = await ann.approvals.decide.mutate({ id, decision: 'APPROVED' });
    expect(first.status).toBe('PENDING');
    expect(first.votes?.map((v) => v.by)).toEqual(['ann']);
    await expect(ann.approvals.decide.mutate({ id, decision: 'APPROVED' })).rejects.toMatchObject({
      data: { httpStatus: 409 },
    });
    // Still waiting: the agent's retry is held.
    const retry = await admin.sdk.decide.mutate({
      agent: 'TreasuryBot',
      action: 'wire',
      args: { amount: 75_000 },
    });
    expect(retry.verdict).toBe('REVIEW');

    const second = await bob.approvals.decide.mutate({ id, decision: 'APPROVED' });
    expect(second).toMatchObject({ status: 'APPROVED', decidedBy: 'bob' });
    expect(second.votes?.map((v) => v.by)).toEqual(['ann', 'bob']);
    const log = await admin.audit.list.query({
      agent: 'TreasuryBot',
      status: ['APPROVED'],
      limit: 10,
    });
    expect(log.entries.filter((e) => e.approvalId === id).map((e) => e.details)).toEqual([
      `Approved by bob (quorum 2: ann, bob) (approval #${id})`,
    ]);
    const allowed = await admin.sdk.decide.mutate({
      agent: 'TreasuryBot',
      action: 'wire',
      args: { amount: 75_000 },
    });
    expect(allowed.verdict).toBe('ALLOWED');
  });

  it('over REST, a vote short of the quorum says the approval is still pending', async () => {
    const d = await admin.sdk.decide.mutate({
      agent: 'TreasuryBot',
      action: 'wire',
      args: { amount: 80_000 },
    });
    const cy = (await admin.keys.create.mutate({ name: 'cy', role: 'reviewer' })).key;
    const res = await fetch(`${server.url}/api/approvals/${d.approvalId}/decide`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cy}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'APPROVED' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'success',
      decision: 'APPROVED',
      approval_status: 'PENDING',
    });
    await bob.approvals.decide.mutate({ id: d.approvalId!, decision: 'DENIED' });
  });

  it('one deny decides at once', async () => {
    const d = await admin.sdk.decide.mutate({
      agent: 'TreasuryBot',
      action: 'wire',
      args: { amount: 90_000 },
    });
    expect(
      (await bob.approvals.decide.mutate({ id: d.approvalId!, decision: 'DENIED' })).status,
    ).toBe('DENIED');
  });
});
