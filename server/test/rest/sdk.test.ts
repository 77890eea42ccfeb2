import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer } from '../helpers/testServer';
import { call, createKey, type CallOptions } from './restClient';
import * as seed from './seedShapes';

let server: Awaited<ReturnType<typeof startTestServer>>;
let agentKey: string;
let reviewer: string;

/** A name with a space: path parameters must arrive decoded. */
const AGENT = 'Night Teller';
const AGENT_PATH = encodeURIComponent(AGENT);

const api = (path: string, opts: Partial<CallOptions> = {}) => call(server.url, path, { key: agentKey, basic: true, ...opts });
const post = (path: string, body: unknown, opts: Partial<CallOptions> = {}) => api(path, { method: 'POST', body, ...opts });

beforeAll(async () => {
  server = await startTestServer();
  [agentKey, reviewer] = await Promise.all([
    createKey(server.url, server.adminKey, 'agent', [AGENT]),
    createKey(server.url, server.adminKey, 'reviewer'),
  ]);
});

afterAll(async () => {
  await server?.close();
});

describe('REST SDK paths, as the seed Python SDK calls them (HTTP Basic, key as password)', () => {
  it('POST /sdk/init answers ok, even without a body or content type', async () => {
    const res = await api('/sdk/init', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(seed.ok.parse(res.body)).toEqual({ status: 'ok' });
  });

  it('POST /sdk/register-agent upserts the agent; only for the key\'s own agents', async () => {
    expect(seed.ok.parse((await post('/sdk/register-agent', { name: AGENT, owner: 'night-ops' })).body)).toEqual({ status: 'ok' });
    expect((await post('/sdk/register-agent', { name: AGENT, owner: 'night-ops' })).status).toBe(200);
    expect((await post('/sdk/register-agent', { name: AGENT })).status).toBe(200);
    const agent = await server.services.agents.get(AGENT);
    expect(agent.owner).toBe('night-ops');

    const other = await post('/sdk/register-agent', { name: 'someone-else' });
    expect(other.status).toBe(403);
    seed.error.parse(other.body);
    const missingName = await post('/sdk/register-agent', { owner: 'x' });
    expect(missingName.status).toBe(400);
    expect(seed.error.parse(missingName.body).detail).toMatch(/^name: /);
  });

  it('POST /sdk/register-policy upserts; an agent key may not loosen an existing rule', async () => {
    for (const [action, rule_type] of [['get_balance', 'ALLOW'], ['delete_records', 'BLOCK'], ['transfer_funds', 'REVIEW']]) {
      const res = await post('/sdk/register-policy', { agent_name: AGENT, action, rule_type });
      expect(seed.ok.parse(res.body)).toEqual({ status: 'ok' });
    }
    expect((await post('/sdk/register-policy', { agent_name: AGENT, action: 'get_balance', rule_type: 'ALLOW' })).status).toBe(200);
    // issue 12: not refused but not applied either — it becomes a proposal for an admin, and the answer says so
    const loosen = await post('/sdk/register-policy', { agent_name: AGENT, action: 'delete_records', rule_type: 'ALLOW' });
    expect(loosen.status).toBe(200);
    expect(loosen.body).toMatchObject({ status: 'ok', applied: false, proposal_id: expect.any(Number) });
    expect((loosen.body as { detail: string }).detail).toMatch(/admin/);
    const bad = await post('/sdk/register-policy', { agent_name: AGENT, action: 'x', rule_type: 'MAYBE' });
    expect(bad.status).toBe(400);
    expect(seed.error.parse(bad.body).detail).toMatch(/^rule_type: /);

    const byAdmin = await post('/sdk/register-policy', { agent_name: AGENT, action: 'get_balance', rule_type: 'REVIEW' }, { key: server.adminKey, basic: false });
    expect(byAdmin.status).toBe(200);
    await post('/sdk/register-policy', { agent_name: AGENT, action: 'get_balance', rule_type: 'ALLOW' }, { key: server.adminKey });
  });

  it('GET /sdk/agent-status/{name} answers the status, null for an unknown agent', async () => {
    expect((await api(`/sdk/agent-status/${AGENT_PATH}`)).body).toEqual({ status: 'ACTIVE' });
    const unknown = await api('/sdk/agent-status/ghost', { key: server.adminKey });
    expect(unknown.status).toBe(200);
    expect(z.object({ status: z.null() }).parse(unknown.body)).toEqual({ status: null });
    for (const bad of ['%E0%A4%A', 'a%2Fb', '%20leading-space']) {
      const res = await api(`/sdk/agent-status/${bad}`, { key: server.adminKey });
      expect(res.status, bad).toBe(400);
      expect(seed.error.parse(res.body).detail, bad).toMatch(/^name: /);
    }
  });

  it('GET /sdk/policy/{agent_name}/{action} answers the rule, null when there is none', async () => {
    expect((await api(`/sdk/policy/${AGENT_PATH}/delete_records`)).body).toEqual({ rule_type: 'BLOCK' });
    expect((await api(`/sdk/policy/${AGENT_PATH}/launch_rocket`)).body).toEqual({ rule_type: null });
  });

  it('GET /sdk/policies/{agent_name} lists every rule', async () => {
    const res = await api(`/sdk/policies/${AGENT_PATH}`);
    const { policies } = z.object({ policies: z.array(z.object({ action: z.string(), rule_type: z.enum(['ALLOW', 'BLOCK', 'REVIEW']) })) }).parse(res.body);
    expect(policies.map((p) => [p.action, p.rule_type]).sort()).toEqual([
      ['delete_records', 'BLOCK'],
      ['get_balance', 'ALLOW'],
      ['transfer_funds', 'REVIEW'],
    ]);
  });

  it('POST /sdk/log writes an audit entry; a bad status is a 400 naming the field', async () => {
    const res = await post('/sdk/log', { agent_name: AGENT, action: 'get_balance', status: 'ALLOWED', details: 'balance read' });
    expect(seed.ok.parse(res.body).status).toBe('ok');
    const { entries } = z.object({ entries: z.array(seed.entry) }).parse((await api(`/sdk/audit-log?agent_name=${AGENT_PATH}&limit=1`)).body);
    expect(entries[0]).toMatchObject({ action: 'get_balance', status: 'ALLOWED', severity: 'success', details: 'balance read' });

    const bad = await post('/sdk/log', { agent_name: AGENT, action: 'get_balance', status: 'FINE' });
    expect(bad.status).toBe(400);
    expect(seed.error.parse(bad.body).detail).toMatch(/^status: /);
    // REVEALED records an admin's reveal; an agent can't file one (nor hide calls as one)
    const note = await post('/sdk/log', { agent_name: AGENT, action: 'aegis:reveal-args', status: 'REVEALED' });
    expect(note.status).toBe(400);
    expect(seed.error.parse(note.body).detail).toMatch(/^status: /);
  });

  it('POST /sdk/approval opens a PENDING approval; GET /sdk/approval-status and find-approval see it', async () => {
    const created = await post('/sdk/approval', { agent_name: AGENT, action: 'transfer_funds', args_json: '{"amount": 900}' });
    expect(created.status).toBe(200);
    const { approval_id } = z.object({ approval_id: z.number().int() }).parse(created.body);

    expect((await api(`/sdk/approval-status/${approval_id}`)).body).toMatchObject({ status: 'PENDING' });
    const found = z.object({ approval: seed.approval }).parse((await api(`/sdk/find-approval/${AGENT_PATH}/transfer_funds`)).body);
    expect(found.approval).toMatchObject({ id: approval_id, status: 'PENDING', decided_at: null });
    expect(JSON.parse(found.approval.args_json)).toEqual({ amount: 900 });

    const pending = z.object({ approvals: z.array(seed.approval) }).parse((await api('/sdk/pending-approvals')).body);
    expect(pending.approvals.map((a) => a.id)).toContain(approval_id);

    // an agent can never decide an approval; a reviewer can, once
    const byAgent = await post(`/sdk/decide-approval/${approval_id}`, { decision: 'APPROVED' });
    expect(byAgent.status).toBe(403);
    const byReviewer = await post(`/sdk/decide-approval/${approval_id}`, { decision: 'APPROVED' }, { key: reviewer, basic: false });
    expect(seed.ok.parse(byReviewer.body).status).toBe('ok');
    const twice = await post(`/sdk/decide-approval/${approval_id}`, { decision: 'DENIED' }, { key: reviewer });
    expect(twice.status).toBe(400);

    expect((await api(`/sdk/approval-status/${approval_id}`)).body).toMatchObject({ status: 'APPROVED' });
    // an approved approval is never handed out again for later calls (the seed's reuse weakness)
    expect((await api(`/sdk/find-approval/${AGENT_PATH}/transfer_funds`)).body).toEqual({ approval: null });
  });

  it('POST /sdk/approval refuses bad args_json and calls the policy decides itself', async () => {
    const badJson = await post('/sdk/approval', { agent_name: AGENT, action: 'transfer_funds', args_json: '{nope' });
    expect(badJson.status).toBe(400);
    expect(seed.error.parse(badJson.body).detail).toMatch(/^args_json: /);
    const blocked = await post('/sdk/approval', { agent_name: AGENT, action: 'delete_records' });
    expect(blocked.status).toBe(400);
    expect(seed.error.parse(blocked.body).detail).toMatch(/BLOCKED/);
  });

  it('GET /sdk/approval-status/{id} answers null for an unknown approval, 400 for a non-number', async () => {
    expect((await api('/sdk/approval-status/987654')).body).toMatchObject({ status: null });
    const bad = await api('/sdk/approval-status/abc');
    expect(bad.status).toBe(400);
    expect(seed.error.parse(bad.body).detail).toMatch(/^approval_id: /);
  });

  it('GET /sdk/audit-log answers entries newest first, honouring limit', async () => {
    const res = await api(`/sdk/audit-log?agent_name=${AGENT_PATH}&limit=2`);
    const { entries } = z.object({ entries: z.array(seed.entry) }).parse(res.body);
    expect(entries).toHaveLength(2);
    expect(entries[0]!.id).toBeGreaterThan(entries[1]!.id);
    const all = await api('/sdk/audit-log', { key: server.adminKey });
    expect(z.object({ entries: z.array(seed.entry) }).parse(all.body).entries.length).toBeLessThanOrEqual(10);
  });

  it("POST /sdk/update-status: reviewers flip the kill-switch; the agent's key may pause, never revive (issue 12)", async () => {
    expect(seed.ok.parse((await post('/sdk/update-status', { name: AGENT, status: 'PAUSED' })).body).status).toBe('ok');
    expect((await api(`/sdk/agent-status/${AGENT_PATH}`)).body).toEqual({ status: 'PAUSED' });
    const revive = await post('/sdk/update-status', { name: AGENT, status: 'ACTIVE' });
    expect(revive.status).toBe(403);
    expect(seed.error.parse(revive.body).detail).toMatch(/never revive/);
    expect((await api(`/sdk/agent-status/${AGENT_PATH}`)).body).toEqual({ status: 'PAUSED' });
    expect(seed.ok.parse((await post('/sdk/update-status', { name: AGENT, status: 'ACTIVE' }, { key: reviewer })).body).status).toBe('ok');
    expect((await api(`/sdk/agent-status/${AGENT_PATH}`)).body).toEqual({ status: 'ACTIVE' });
  });

  it('POST /sdk/decide decides and records in one call; POST /sdk/complete records the outcome', async () => {
    const shape = z.object({
      verdict: z.enum(['ALLOWED', 'BLOCKED', 'REVIEW', 'KILLED']),
      reason: z.string(),
      call_id: z.string(),
      audit_id: z.number().int(),
      approval_id: z.number().int().nullable(),
    });
    const allowed = shape.parse((await post('/sdk/decide', { agent_name: AGENT, action: 'get_balance', args: { account: 'A1' }, call_id: 'call-rest-0001' })).body);
    expect(allowed).toMatchObject({ verdict: 'ALLOWED', call_id: 'call-rest-0001', approval_id: null });
    // The call id names that call: other arguments under it are refused (400, as the seed answered
    // conflicts), never answered with the stored ALLOWED.
    const reused = await post('/sdk/decide', { agent_name: AGENT, action: 'get_balance', args: { account: 'B9' }, call_id: 'call-rest-0001' });
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ code: 'CALL_ID_REUSED', detail: expect.stringContaining('another call') });
    const blocked = shape.parse((await post('/sdk/decide', { agent_name: AGENT, action: 'delete_records' })).body);
    expect(blocked.verdict).toBe('BLOCKED');
    const review = shape.parse((await post('/sdk/decide', { agent_name: AGENT, action: 'wire_abroad', args: {} })).body);
    expect(review.verdict).toBe('REVIEW');
    expect(review.approval_id).toEqual(expect.any(Number));

    const done = await post('/sdk/complete', { call_id: 'call-rest-0001', outcome: 'ok', duration_ms: 12 });
    expect(seed.ok.parse(done.body).status).toBe('ok');
    const other = await post('/sdk/decide', { agent_name: 'someone-else', action: 'get_balance' });
    expect(other.status).toBe(403);
  });
});
