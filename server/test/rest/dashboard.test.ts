import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer } from '../helpers/testServer';
import { call, createKey } from './restClient';
import * as seed from './seedShapes';

let server: Awaited<ReturnType<typeof startTestServer>>;
let admin: string;
let reviewer: string;
let viewer: string;
let agentKey: string;
let reviewApprovalId: number;

const AGENT = 'teller';

beforeAll(async () => {
  server = await startTestServer();
  admin = server.adminKey;
  [reviewer, viewer, agentKey] = await Promise.all([
    createKey(server.url, admin, 'reviewer'),
    createKey(server.url, admin, 'viewer'),
    createKey(server.url, admin, 'agent', [AGENT]),
  ]);
  const post = (path: string, body: unknown) => call(server.url, path, { method: 'POST', body, key: admin });
  expect((await post('/sdk/register-agent', { name: AGENT, owner: 'ops' })).status).toBe(200);
  for (const [action, rule_type] of [['get_balance', 'ALLOW'], ['delete_records', 'BLOCK'], ['transfer_funds', 'REVIEW']]) {
    expect((await post('/sdk/register-policy', { agent_name: AGENT, action, rule_type })).status).toBe(200);
  }
  for (const action of ['get_balance', 'delete_records']) {
    await call(server.url, '/sdk/decide', { method: 'POST', body: { agent_name: AGENT, action, args: {} }, key: agentKey });
  }
  const review = await call(server.url, '/sdk/decide', {
    method: 'POST',
    body: { agent_name: AGENT, action: 'transfer_funds', args: { amount: 500, to: 'ACC-2' } },
    key: agentKey,
  });
  reviewApprovalId = z.object({ approval_id: z.number().int() }).parse(review.body).approval_id;
});

afterAll(async () => {
  await server?.close();
});

describe('REST dashboard paths', () => {
  it('GET /stats answers the seed stats shape', async () => {
    const res = await call(server.url, '/stats', { key: viewer });
    expect(res.status).toBe(200);
    const stats = seed.stats.parse(res.body);
    expect(stats).toMatchObject({ registered_agents: 1, active_agents: 1, total_blocks_24h: 1, pending_approvals: 1, risk_level: 'MEDIUM' });
  });

  it('GET /agents lists agents with the seed id, risk score and counts', async () => {
    const res = await call(server.url, '/agents', { key: viewer });
    expect(res.status).toBe(200);
    const [teller] = z.array(seed.agent).length(1).parse(res.body);
    const id = 'AGT-' + createHash('sha256').update(AGENT).digest('hex').slice(0, 8);
    expect(teller).toMatchObject({ id, name: AGENT, owner: 'ops', status: 'ACTIVE', blocked_count: 1, allowed_count: 1 });
    expect(teller?.total_logs).toBeGreaterThanOrEqual(3);
  });

  it('GET /agents/{name}/logs lists entries newest first, 404 for an unknown agent', async () => {
    const res = await call(server.url, `/agents/${AGENT}/logs`, { key: viewer });
    expect(res.status).toBe(200);
    const all = z.array(seed.entry.extend({ source: z.string() })).parse(res.body);
    // issue 12: the admin's three rules are on record too, as people's actions
    expect(all.filter((e) => e.source === 'person').map((e) => e.status)).toEqual(['POLICY', 'POLICY', 'POLICY']);
    const entries = all.filter((e) => e.source !== 'person');
    expect(entries.map((e) => e.status)).toEqual(['PENDING', 'BLOCKED', 'ALLOWED']);
    expect(entries.map((e) => e.severity)).toEqual(['warning', 'failure', 'success']);
    expect(entries.every((e) => e.agent_name === AGENT)).toBe(true);

    const missing = await call(server.url, '/agents/nobody/logs', { key: viewer });
    expect(missing.status).toBe(404);
    expect(seed.error.parse(missing.body).detail).toMatch(/nobody/);
  });

  it('GET /agents/{name}/policies answers sorted allowed/blocked/requires_review lists', async () => {
    await call(server.url, '/sdk/register-policy', { method: 'POST', body: { agent_name: AGENT, action: 'check_fraud', rule_type: 'ALLOW' }, key: admin });
    const res = await call(server.url, `/agents/${AGENT}/policies`, { key: viewer });
    expect(res.status).toBe(200);
    expect(seed.policyLists.parse(res.body)).toEqual({
      allowed: ['check_fraud', 'get_balance'],
      blocked: ['delete_records'],
      requires_review: ['transfer_funds'],
    });
  });

  it('POST /agents/{name}/toggle flips the kill-switch for reviewers; 400 for another status', async () => {
    const paused = await call(server.url, `/agents/${AGENT}/toggle`, { method: 'POST', body: { status: 'PAUSED' }, key: reviewer });
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({ status: 'updated', new_status: 'PAUSED' });
    const killed = await call(server.url, '/sdk/decide', { method: 'POST', body: { agent_name: AGENT, action: 'get_balance' }, key: agentKey });
    expect(killed.body).toMatchObject({ verdict: 'KILLED' });

    const bad = await call(server.url, `/agents/${AGENT}/toggle`, { method: 'POST', body: { status: 'SLEEPING' }, key: reviewer });
    expect(bad.status).toBe(400);
    expect(seed.error.parse(bad.body).detail).toMatch(/^status: /);

    const byViewer = await call(server.url, `/agents/${AGENT}/toggle`, { method: 'POST', body: { status: 'ACTIVE' }, key: viewer });
    expect(byViewer.status).toBe(403);
    seed.error.parse(byViewer.body);
    const unknown = await call(server.url, '/agents/nobody/toggle', { method: 'POST', body: { status: 'ACTIVE' }, key: reviewer });
    expect(unknown.status).toBe(404);

    const active = await call(server.url, `/agents/${AGENT}/toggle`, { method: 'POST', body: { status: 'ACTIVE' }, key: reviewer });
    expect(active.body).toEqual({ status: 'updated', new_status: 'ACTIVE' });
  });

  it('GET /logs lists entries across agents, newest first', async () => {
    const res = await call(server.url, '/logs', { key: viewer });
    expect(res.status).toBe(200);
    const entries = z.array(seed.entry).parse(res.body);
    expect(entries.length).toBeGreaterThanOrEqual(4);
    const ids = entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('GET /approvals/pending lists pending approvals with their arguments as JSON', async () => {
    const res = await call(server.url, '/approvals/pending', { key: viewer });
    expect(res.status).toBe(200);
    const [pending] = z.array(seed.pendingApproval).length(1).parse(res.body);
    expect(pending).toMatchObject({ id: reviewApprovalId, agent_name: AGENT, action: 'transfer_funds', status: 'PENDING' });
    expect(JSON.parse(pending?.args_json ?? '')).toEqual({ amount: 500, to: 'ACC-2' });
    // Added fields: why it is held, and the audit entry of the REVIEW decision (one of the agent's logs).
    const [held] = z
      .array(z.object({ rule: z.string(), reason: z.string(), detectors: z.array(z.string()), audit_id: z.number().int() }))
      .length(1)
      .parse(res.body);
    expect(held).toEqual({
      rule: 'seed-review',
      reason: 'Policy requires human review for transfer_funds',
      detectors: [],
      audit_id: expect.any(Number),
    });
    const logs = z.array(seed.entry).parse((await call(server.url, `/agents/${AGENT}/logs`, { key: viewer })).body);
    expect(logs.find((e) => e.id === held?.audit_id)).toMatchObject({ status: 'PENDING', action: 'transfer_funds' });
  });

  it('POST /approvals/{id}/decide decides once: 400 after, 404 unknown, 400 bad decision, 403 for agents', async () => {
    const path = `/approvals/${reviewApprovalId}/decide`;
    const byAgent = await call(server.url, path, { method: 'POST', body: { decision: 'APPROVED' }, key: agentKey });
    expect(byAgent.status).toBe(403);
    const badDecision = await call(server.url, path, { method: 'POST', body: { decision: 'MAYBE' }, key: reviewer });
    expect(badDecision.status).toBe(400);
    expect(seed.error.parse(badDecision.body).detail).toMatch(/^decision: /);

    const first = await call(server.url, path, { method: 'POST', body: { decision: 'APPROVED' }, key: reviewer });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 'success', decision: 'APPROVED', approval_status: 'APPROVED' });
    const again = await call(server.url, path, { method: 'POST', body: { decision: 'DENIED' }, key: reviewer });
    expect(again.status).toBe(400);
    seed.error.parse(again.body);
    const unknown = await call(server.url, '/approvals/999999/decide', { method: 'POST', body: { decision: 'DENIED' }, key: reviewer });
    expect(unknown.status).toBe(404);
    seed.error.parse(unknown.body);

    // deciding writes an APPROVED audit entry, as the seed did
    const logs = z.array(seed.entry).parse((await call(server.url, `/agents/${AGENT}/logs`, { key: viewer })).body);
    expect(logs.some((e) => e.status === 'APPROVED' && e.action === 'transfer_funds')).toBe(true);
  });
});
