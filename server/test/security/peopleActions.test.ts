/**
 * Issue 12, finding 9: what people do is in the record — kill/revive (with a reason), policy
 * changes (old → new, with the version), always-allow/block, keys, sign-in and sign-out — each
 * with the person's name and source "person", through tRPC and REST, filterable by source, and
 * counted in no agent's totals or risk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@aegis/shared';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, loginSession, rest, trpc, type Credential, data } from './harness';

let server: TestServer;
let admin: Credential;
let reviewer: Credential;
let lead: Credential;
let agent: Credential;

const call = async <T>(path: string, input: unknown, who: Credential = admin) =>
  data<T>(await trpc(server.url, path, 'mutation', input, who));
const query = async <T>(path: string, input: unknown, who: Credential = admin) =>
  data<T>(await trpc(server.url, path, 'query', input, who));

/** The newest entries people wrote, newest first. */
async function peoples(limit = 1): Promise<AuditEntry[]> {
  return (await query<{ entries: AuditEntry[] }>('audit.list', { source: ['person'], limit }))
    .entries;
}

interface Summary {
  totalLogs: number;
  riskScore: number;
  counts: Record<string, number>;
}
const summary = async () =>
  (await query<{ agent: Summary }>('agents.byName', { name: 'teller' })).agent;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = { kind: 'bearer', key: server.adminKey };
  reviewer = { kind: 'bearer', key: (await createKey(server, 'rita', 'reviewer')).key };
  lead = { kind: 'bearer', key: (await createKey(server, 'ada', 'admin')).key };
  agent = { kind: 'bearer', key: (await createKey(server, 'teller-bot', 'agent', ['teller'])).key };
  await call(
    'sdk.registerAgent',
    { name: 'teller', allows: ['read'], blocks: ['wipe'], review: ['pay'] },
    agent,
  );
  await call('sdk.decide', { agent: 'teller', action: 'read' }, agent);
  await call('sdk.decide', { agent: 'teller', action: 'wipe' }, agent);
});
afterAll(() => server?.close());

describe("people's actions are audited", () => {
  it('kill and revive, with a reason, over tRPC and REST', async () => {
    const before = await summary();
    await call(
      'agents.setStatus',
      { name: 'teller', status: 'PAUSED', reason: 'odd wire transfers' },
      reviewer,
    );
    const [killed] = await peoples();
    expect(killed).toMatchObject({
      agent: 'teller',
      status: 'PAUSED',
      action: 'aegis:kill',
      source: 'person',
      actor: 'rita',
    });
    expect(killed?.details).toContain('odd wire transfers');

    const revived = await rest(
      server.url,
      'POST',
      '/agents/teller/toggle',
      { status: 'ACTIVE', reason: 'checked' },
      reviewer,
    );
    expect(revived.status).toBe(200);
    expect((await peoples())[0]).toMatchObject({
      status: 'RESUMED',
      actor: 'rita',
      details: expect.stringContaining('checked'),
    });
    const paused = await rest(
      server.url,
      'POST',
      '/sdk/update-status',
      { name: 'teller', status: 'PAUSED' },
      reviewer,
    );
    expect(paused.status).toBe(200);
    expect((await peoples())[0]).toMatchObject({ status: 'PAUSED', actor: 'rita' });
    await call('agents.setStatus', { name: 'teller', status: 'ACTIVE' }, reviewer);
    // flipping it to what it already is changes nothing, so nothing is recorded
    const count = (await peoples(50)).length;
    await call('agents.setStatus', { name: 'teller', status: 'ACTIVE' }, reviewer);
    expect((await peoples(50)).length).toBe(count);

    // none of it is the agent's doing: totals and risk are unchanged
    const after = await summary();
    expect({ total: after.totalLogs, risk: after.riskScore }).toEqual({
      total: before.totalLogs,
      risk: before.riskScore,
    });
  });

  it('policy changes, old → new with the version, over tRPC and REST', async () => {
    const set = await call<{ version: number }>('policies.set', {
      agent: 'teller',
      action: 'read',
      rule: 'BLOCK',
    });
    const [entry] = await peoples();
    expect(entry).toMatchObject({
      status: 'POLICY',
      action: 'aegis:policy',
      actor: 'admin',
      source: 'person',
    });
    expect(JSON.parse(entry?.argsPreview ?? '{}')).toEqual({
      action: 'read',
      from: 'ALLOW',
      to: 'BLOCK',
      version: set.version,
    });
    expect(entry?.details).toContain(`read: ALLOW → BLOCK (policy v${set.version})`);

    await call('policies.remove', { agent: 'teller', action: 'read' });
    expect(JSON.parse((await peoples())[0]?.argsPreview ?? '{}')).toMatchObject({
      from: 'BLOCK',
      to: null,
    });

    const viaRest = await rest(
      server.url,
      'POST',
      '/sdk/register-policy',
      { agent_name: 'teller', action: 'audit', rule_type: 'REVIEW' },
      admin,
    );
    expect(viaRest.status).toBe(200);
    expect(JSON.parse((await peoples())[0]?.argsPreview ?? '{}')).toMatchObject({
      action: 'audit',
      from: null,
      to: 'REVIEW',
    });
  });

  it('approvals decided, and "always allow / always block" (admins only), with the decider', async () => {
    const before = await summary();
    const asked = await call<{ approvalId: number }>(
      'sdk.decide',
      { agent: 'teller', action: 'pay', args: { n: 1 } },
      agent,
    );
    // A standing rule changes the policy: a reviewer decides the call, never the rule.
    const refused = await rest(
      server.url,
      'POST',
      `/approvals/${asked.approvalId}/decide`,
      { decision: 'APPROVED', remember: true },
      reviewer,
    );
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toMatch(/Only an admin/);
    expect(await query<{ status: string }>('approvals.byId', { id: asked.approvalId })).toMatchObject({
      status: 'PENDING',
    });
    await call(
      'approvals.decide',
      { id: asked.approvalId, decision: 'APPROVED', remember: true },
      lead,
    );
    const [rule, decided] = await peoples(2);
    expect(decided).toMatchObject({
      status: 'APPROVED',
      actor: 'ada',
      approvalId: asked.approvalId,
    });
    expect(rule).toMatchObject({
      status: 'POLICY',
      action: 'aegis:always-allow',
      actor: 'ada',
      approvalId: asked.approvalId,
    });

    await call('policies.set', { agent: 'teller', action: 'pay', rule: 'REVIEW' });
    const again = await call<{ approvalId: number }>(
      'sdk.decide',
      { agent: 'teller', action: 'pay', args: { n: 2 } },
      agent,
    );
    const denied = await rest(
      server.url,
      'POST',
      `/approvals/${again.approvalId}/decide`,
      { decision: 'DENIED', remember: true },
      lead,
    );
    expect(denied.status).toBe(200);
    expect((await peoples())[0]).toMatchObject({ action: 'aegis:always-block', actor: 'ada' });

    // the agent made two calls (two PENDING entries); people's decisions add nothing to its totals
    const after = await summary();
    expect(after.totalLogs).toBe(before.totalLogs + 2);
    expect(after.counts.APPROVED ?? 0).toBe(0);
  });

  it('keys created and revoked; sign-in and sign-out', async () => {
    const made = await createKey(server, 'temp-viewer', 'viewer');
    const [created] = await peoples();
    expect(created).toMatchObject({
      status: 'ACCESS',
      action: 'aegis:key-create',
      agent: '',
      actor: 'admin',
    });
    expect(created?.details).toContain(made.id);
    await call('keys.revoke', { id: made.id });
    expect((await peoples())[0]).toMatchObject({
      action: 'aegis:key-revoke',
      details: expect.stringContaining(made.id),
    });

    const session = await loginSession(server, (reviewer as { key: string }).key);
    expect((await peoples())[0]).toMatchObject({
      action: 'aegis:login',
      actor: 'rita',
      source: 'person',
    });
    const out = await trpc(server.url, 'auth.logout', 'mutation', undefined, {
      kind: 'cookie',
      ...session,
    });
    expect(out.status).toBe(200);
    expect((await peoples())[0]).toMatchObject({ action: 'aegis:logout', actor: 'rita' });
  });

  it('the Activity filter by source returns only what that source wrote; the chain still verifies', async () => {
    await call('sdk.log', { agent: 'teller', action: 'wipe', status: 'BLOCKED' }, agent);
    for (const source of ['person', 'server', 'agent'] as const) {
      const { entries } = await query<{ entries: AuditEntry[] }>('audit.list', {
        source: [source],
        limit: 200,
      });
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.every((e) => e.source === source)).toBe(true);
    }
    expect(await query('audit.verify', undefined)).toMatchObject({ ok: true });
  });
});
