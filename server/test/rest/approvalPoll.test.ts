/**
 * The seed's Python SDK never tells the server it used an approval: it polls
 * GET /sdk/approval-status/{id} and runs the tool on APPROVED. The first APPROVED read by the
 * agent's key is therefore where the approval is used up — once, whoever else polls or decides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';
import { call, createKey, type CallOptions } from './restClient';
import * as seed from './seedShapes';

let server: TestServer;
let agentKey: string;
let otherAgentKey: string;
let reviewer: string;
let viewer: string;

const AGENT = 'Payroll';
const poll = z.object({
  status: z.enum(['PENDING', 'APPROVED', 'DENIED']).nullable(),
  approval_status: z.enum(['PENDING', 'APPROVED', 'DENIED', 'EXPIRED']).nullable(),
  consumed_at: seed.time.nullable(),
  call_id: z.string().nullable(),
  audit_id: z.number().int().nullable(),
  reason: z.string().nullable(),
});
type Poll = z.infer<typeof poll>;
const decision = z.object({
  verdict: z.enum(['ALLOWED', 'BLOCKED', 'REVIEW', 'KILLED']),
  approval_id: z.number().int().nullable(),
});

const api = (path: string, opts: Partial<CallOptions> = {}) =>
  call(server.url, path, { key: agentKey, basic: true, ...opts });
const post = (path: string, body: unknown, opts: Partial<CallOptions> = {}) =>
  api(path, { method: 'POST', body, ...opts });

async function status(id: number, key = agentKey): Promise<Poll> {
  const res = await api(`/sdk/approval-status/${id}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return poll.parse(res.body);
}

/** POST /sdk/approval for `pay(args)`; returns the approval id. */
async function request(args: Record<string, unknown>): Promise<number> {
  const res = await post('/sdk/approval', {
    agent_name: AGENT,
    action: 'pay',
    args_json: JSON.stringify(args),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return z.object({ approval_id: z.number().int() }).parse(res.body).approval_id;
}

async function approve(id: number): Promise<void> {
  const res = await post(
    `/approvals/${id}/decide`,
    { decision: 'APPROVED' },
    { key: reviewer, basic: false },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** The one-call decision over REST (the same service as tRPC sdk.decide). */
async function decide(args: Record<string, unknown>) {
  const res = await post('/sdk/decide', { agent_name: AGENT, action: 'pay', args });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return decision.parse(res.body);
}

/** ALLOWED audit entries that used this approval. */
async function allowedEntries(approvalId: number) {
  const { entries } = await server.services.audit.list({
    agent: AGENT,
    status: ['ALLOWED'],
    limit: 200,
  });
  return entries.filter((e) => e.approvalId === approvalId);
}

const setExpiry = (id: number, at: Date) =>
  server.store.connection.collection('approvals').updateOne({ id }, { $set: { expiresAt: at } });

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  [agentKey, otherAgentKey, reviewer, viewer] = await Promise.all([
    createKey(server.url, server.adminKey, 'agent', [AGENT]),
    createKey(server.url, server.adminKey, 'agent', ['Intruder']),
    createKey(server.url, server.adminKey, 'reviewer'),
    createKey(server.url, server.adminKey, 'viewer'),
  ]);
  expect((await post('/sdk/register-agent', { name: AGENT })).status).toBe(200);
  expect(
    (await post('/sdk/register-policy', { agent_name: AGENT, action: 'pay', rule_type: 'REVIEW' }))
      .status,
  ).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

describe('GET /sdk/approval-status uses an approval once', () => {
  it("the agent's first APPROVED read uses it and is the recorded call; later reads and calls find it used", async () => {
    const args = { to: 'alice', amount: 10 };
    const id = await request(args);
    expect(await status(id)).toMatchObject({ status: 'PENDING', consumed_at: null });
    await approve(id);

    const first = await status(id);
    expect(first).toMatchObject({ status: 'APPROVED', approval_status: 'APPROVED', reason: null });
    expect(first.consumed_at).not.toBeNull();
    const entries = await allowedEntries(id);
    expect(entries.map((e) => [e.id, e.callId])).toEqual([[first.audit_id, first.call_id]]);
    expect(entries[0]!.details).toContain('approval #');

    // the poller that won reports how the call ended, by the call_id it was given
    const done = await post('/sdk/complete', {
      call_id: first.call_id,
      outcome: 'ok',
      duration_ms: 5,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    const second = await status(id);
    expect(second).toMatchObject({ status: 'DENIED', approval_status: 'APPROVED', audit_id: null });
    expect(second.reason).toMatch(/already used/);

    // the same call again, either way, needs a new review
    const again = await decide(args);
    expect(again.verdict).toBe('REVIEW');
    expect(again.approval_id).not.toBe(id);
    expect(await request(args)).toBe(again.approval_id);
    expect(await allowedEntries(id)).toHaveLength(1);
  });

  it('of many agent polls at once, exactly one reads APPROVED', async () => {
    const id = await request({ to: 'bob', amount: 5 });
    await approve(id);
    const reads = await Promise.all(Array.from({ length: 12 }, () => status(id)));
    expect(reads.filter((r) => r.status === 'APPROVED')).toHaveLength(1);
    expect(reads.filter((r) => r.status === 'DENIED')).toHaveLength(11);
    expect(await allowedEntries(id)).toHaveLength(1);
  });

  it('polls racing sdk.decide calls with the same arguments: one of them, in all, gets to run', async () => {
    const args = { to: 'carol', amount: 7 };
    const id = await request(args);
    await approve(id);
    const [reads, decided] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, () => status(id))),
      Promise.all(Array.from({ length: 6 }, () => decide(args))),
    ]);
    const ran =
      reads.filter((r) => r.status === 'APPROVED').length +
      decided.filter((d) => d.verdict === 'ALLOWED').length;
    expect(ran).toBe(1);
    expect(await allowedEntries(id)).toHaveLength(1);
  });

  it('people only look: viewer and reviewer reads leave it for the agent', async () => {
    const id = await request({ to: 'dave', amount: 1 });
    await approve(id);
    for (const key of [viewer, reviewer]) {
      expect(await status(id, key)).toMatchObject({
        status: 'APPROVED',
        consumed_at: null,
        audit_id: null,
      });
    }
    expect(await allowedEntries(id)).toHaveLength(0);
    const used = await status(id);
    expect(used.status).toBe('APPROVED');
    // after use, a person still sees what the reviewer decided, and when it was used
    const seen = await status(id, viewer);
    expect(seen).toMatchObject({
      status: 'APPROVED',
      approval_status: 'APPROVED',
      consumed_at: used.consumed_at,
    });
  });

  it("another agent's key reads it as unknown (nothing about that agent), and uses nothing up", async () => {
    const id = await request({ to: 'erin', amount: 2 });
    await approve(id);
    const res = await api(`/sdk/approval-status/${id}`, { key: otherAgentKey });
    const unknown = await api(`/sdk/approval-status/999999`, { key: otherAgentKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(unknown.body);
    expect(res.body).toMatchObject({ status: null, approval_status: null });
    expect(JSON.stringify(res.body)).not.toContain(AGENT);
    expect(await allowedEntries(id)).toHaveLength(0);
    expect((await status(id)).status).toBe('APPROVED');
  });

  it('an approval that expired before it was used reads DENIED and lets nothing run', async () => {
    const args = { to: 'frank', amount: 3 };
    const id = await request(args);
    await approve(id);
    await setExpiry(id, new Date(Date.now() - 1000));
    const read = await status(id);
    expect(read).toMatchObject({
      status: 'DENIED',
      approval_status: 'APPROVED',
      consumed_at: null,
    });
    expect(read.reason).toMatch(/expired/);
    expect((await decide(args)).verdict).toBe('REVIEW');
    expect(await allowedEntries(id)).toHaveLength(0);

    // still pending when it expired: DENIED, and EXPIRED from then on
    const pending = await request({ to: 'frank', amount: 4 });
    await setExpiry(pending, new Date(Date.now() - 1000));
    expect(await status(pending)).toMatchObject({ status: 'DENIED', approval_status: 'EXPIRED' });
    const late = await post(
      `/approvals/${pending}/decide`,
      { decision: 'APPROVED' },
      { key: reviewer },
    );
    expect(late.status).toBe(400);
  });

  it('the kill-switch stops an approved call at the poll; revived, the approval is still there', async () => {
    const id = await request({ to: 'grace', amount: 8 });
    await approve(id);
    const pause = (s: 'PAUSED' | 'ACTIVE') =>
      post('/sdk/update-status', { name: AGENT, status: s }, { key: reviewer });
    expect((await pause('PAUSED')).status).toBe(200);
    try {
      const read = await status(id);
      expect(read).toMatchObject({ status: 'DENIED', consumed_at: null });
      expect(read.reason).toMatch(/paused/);
    } finally {
      expect((await pause('ACTIVE')).status).toBe(200);
    }
    expect((await status(id)).status).toBe('APPROVED');
  });

  it('a changed policy voids an approval at the poll, as it does for sdk.decide', async () => {
    const id = await request({ to: 'heidi', amount: 9 });
    await approve(id);
    // a tightening: issue 12 makes a new ALLOW from the agent's key a proposal, which changes nothing yet
    const rule = await post('/sdk/register-policy', {
      agent_name: AGENT,
      action: 'audit_books',
      rule_type: 'BLOCK',
    });
    expect(rule.status).toBe(200);
    const read = await status(id);
    expect(read).toMatchObject({ status: 'DENIED', consumed_at: null });
    expect(read.reason).toMatch(/policy/);
  });

  it('asking again for an approved call not yet polled hands over that approval, unused, for the poll', async () => {
    const args = { to: 'ivan', amount: 11 };
    const id = await request(args);
    await approve(id);
    // e.g. the process restarted before its next poll and asks again for the same call
    expect(await request(args)).toBe(id);
    expect(await allowedEntries(id)).toHaveLength(0);
    expect((await status(id)).status).toBe('APPROVED');
    expect((await status(id)).status).toBe('DENIED');
    expect(await allowedEntries(id)).toHaveLength(1);
  });

  it('an admin key running the seed flow gets each approval once too: its poll uses it (issue 12)', async () => {
    const args = { to: 'judy', amount: 12 };
    const admin = { key: server.adminKey };
    const ask = async () => {
      const res = await post(
        '/sdk/approval',
        { agent_name: AGENT, action: 'pay', args_json: JSON.stringify(args) },
        admin,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return z.object({ approval_id: z.number().int(), verdict: z.string() }).parse(res.body);
    };
    const first = await ask();
    expect(first.verdict).toBe('REVIEW');
    await approve(first.approval_id);
    // asking again before the poll hands the same approval over, unused, as for the agent's key
    expect(await ask()).toEqual({ approval_id: first.approval_id, verdict: 'REVIEW' });
    expect(await allowedEntries(first.approval_id)).toHaveLength(0);
    // the admin's poll is the SDK's read: APPROVED once, and it is the recorded call
    expect((await status(first.approval_id, server.adminKey)).status).toBe('APPROVED');
    expect((await status(first.approval_id, server.adminKey)).status).toBe('DENIED');
    expect(await allowedEntries(first.approval_id)).toHaveLength(1);
    // and after that, the same call needs a new review
    const third = await ask();
    expect(third.verdict).toBe('REVIEW');
    expect(third.approval_id).not.toBe(first.approval_id);
    expect(await allowedEntries(first.approval_id)).toHaveLength(1);
  });
});

/**
 * The seed protocol carries no arguments back: its client runs the call as it asked it. An
 * approval whose call runs with other arguments is never redeemed by its poll.
 */
describe('the poll and approvals whose call runs with other arguments', () => {
  const admin = () => trpcClient(server.url, server.adminKey);
  /** The REST one-call decision with its arguments to run (`args`, `args_replaced`). */
  const decideWithArgs = async (agent: string, action: string, args: Record<string, unknown>) => {
    const res = await post('/sdk/decide', { agent_name: agent, action, args });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return z
      .object({
        verdict: z.string(),
        approval_id: z.number().int().nullable(),
        args: z.record(z.string(), z.unknown()).optional(),
        args_replaced: z.literal(true).optional(),
      })
      .parse(res.body);
  };

  it('approved with edited arguments: the poll answers DENIED saying why and leaves it unused; /sdk/decide runs the edit', async () => {
    const args = { to: 'kim', amount: 20_000 };
    const opened = await decideWithArgs(AGENT, 'pay', args);
    const id = opened.approval_id!;
    await admin().approvals.decide.mutate({ id, decision: 'APPROVED', editedArgs: { to: 'kim', amount: 200 } });
    // find-approval is the seed's other poll: it reports the approval DENIED, and runs nothing
    const found = await api(`/sdk/find-approval/${AGENT}/pay`);
    expect(found.body).toMatchObject({ approval: { id, status: 'DENIED' } });
    const read = await status(id);
    expect(read).toMatchObject({ status: 'DENIED', approval_status: 'APPROVED', consumed_at: null, audit_id: null });
    expect(read.reason).toMatch(/edited arguments/);
    expect(read.reason).toMatch(/POST \/sdk\/decide/);
    expect(await allowedEntries(id)).toHaveLength(0);
    const ran = await decideWithArgs(AGENT, 'pay', args);
    expect(ran).toMatchObject({ verdict: 'ALLOWED', approval_id: id, args: { to: 'kim', amount: 200 }, args_replaced: true });
    expect(await allowedEntries(id)).toHaveLength(1);
  });

  it('asked over POST /sdk/approval (or waited on there), an approval takes no edited arguments: 400 saying why', async () => {
    const id = await request({ to: 'lou', amount: 30_000 });
    expect((await admin().approvals.byId.query({ id })).seedClient).toBe(true);
    await expect(
      admin().approvals.decide.mutate({ id, decision: 'APPROVED', editedArgs: { to: 'lou', amount: 300 } }),
    ).rejects.toThrow(/seed REST protocol.*cannot be handed edited arguments/);
    expect((await admin().approvals.byId.query({ id })).status).toBe('PENDING');

    // opened by /sdk/decide, then asked for over /sdk/approval: a seed client waits on it now
    const args = { to: 'max', amount: 31_000 };
    const opened = await decideWithArgs(AGENT, 'pay', args);
    expect(await request(args)).toBe(opened.approval_id);
    await expect(
      admin().approvals.decide.mutate({ id: opened.approval_id!, decision: 'APPROVED', editedArgs: { ...args, amount: 310 } }),
    ).rejects.toThrow(/seed REST protocol/);
    // approving it as asked works as ever
    await approve(id);
    expect((await status(id)).status).toBe('APPROVED');
  });

  it('a REDACT rule matching the approved call: DENIED at the poll, unused; /sdk/decide runs it masked', async () => {
    const agent = 'CardPayer';
    const key = await createKey(server.url, server.adminKey, 'agent', [agent]);
    expect((await post('/sdk/register-agent', { name: agent }, { key })).status).toBe(200);
    await admin().policies.applyRules.mutate({
      yaml: `kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: big
    actions: [pay]
    when: args.amount > 1000.0
    effect: REVIEW
  - id: mask-cards
    actions: [pay]
    when: dlp.foundIn('args', 'card')
    effect: REDACT
`,
    });
    const args = { amount: 5000, memo: 'card 4111 1111 1111 1111' };
    const asked = await post('/sdk/approval', { agent_name: agent, action: 'pay', args_json: JSON.stringify(args) }, { key });
    const id = z.object({ approval_id: z.number().int() }).parse(asked.body).approval_id;
    await approve(id);
    const read = await status(id, key);
    expect(read).toMatchObject({ status: 'DENIED', consumed_at: null });
    expect(read.reason).toMatch(/REDACT/);
    const res = await post('/sdk/decide', { agent_name: agent, action: 'pay', args }, { key });
    expect(res.body).toMatchObject({
      verdict: 'ALLOWED',
      approval_id: id,
      args: { amount: 5000, memo: 'card ************1111' },
      args_replaced: true,
    });
  });

  it('a call run on its poll is recorded as sdk.decide records it: rule, findings, and in history sums', async () => {
    const agent = 'Lender';
    const key = await createKey(server.url, server.adminKey, 'agent', [agent]);
    expect((await post('/sdk/register-agent', { name: agent }, { key })).status).toBe(200);
    await admin().policies.applyRules.mutate({
      yaml: `kind: AgentPolicy
agent: ${agent}
default: BLOCK
rules:
  - id: underwriting
    actions: [loan]
    effect: ALLOW
  - id: large-loans
    actions: [loan]
    when: args.amount > 1000.0
    effect: REVIEW
  - id: split-loans
    actions: [loan]
    when: history.sum('loan', 'amount', duration('24h')) + args.amount > 3000.0
    effect: REVIEW
`,
    });
    const args = { amount: 2500, email: 'ann@example.com' };
    const asked = await post('/sdk/approval', { agent_name: agent, action: 'loan', args_json: JSON.stringify(args) }, { key });
    const id = z.object({ approval_id: z.number().int() }).parse(asked.body).approval_id;
    await approve(id);
    const read = await status(id, key);
    expect(read.status).toBe('APPROVED');
    const { entries } = await server.services.audit.list({ agent, status: ['ALLOWED'], limit: 10 });
    const entry = entries.find((e) => e.id === read.audit_id)!;
    expect(entry.rule).toMatchObject({ id: 'large-loans', scope: 'agent' });
    expect(entry.findings?.map((f) => f.detector)).toContain('email');
    expect(entry.argsPreview).not.toContain('ann@example.com');
    // the 2500 that ran counts: 2500 + 900 is over 3000
    const next = await post('/sdk/decide', { agent_name: agent, action: 'loan', args: { amount: 900 } }, { key });
    expect(next.body).toMatchObject({ verdict: 'REVIEW', rule: { id: 'split-loans' } });
  });
});
