import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@aegis/shared';
import { startTestServer, type TestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';

/** Every procedure of the appRouter once over real HTTP, as its intended principal. */
let server: TestServer;
let admin: ReturnType<typeof trpcClient>;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  admin = trpcClient(server.url, server.adminKey);
});
afterAll(() => server.close());

describe('every procedure over HTTP', () => {
  it('keys, health and auth', async () => {
    expect(await trpcClient(server.url).health.check.query()).toMatchObject({ ok: true });
    expect((await admin.health.whoami.query()).role).toBe('admin');
    const created = await admin.keys.create.mutate({
      name: 'wire-bot',
      role: 'agent',
      agents: ['WireBot'],
    });
    expect((await admin.keys.list.query()).some((k) => k.id === created.info.id)).toBe(true);
    const reviewer = await admin.keys.create.mutate({
      name: 'rev',
      role: 'reviewer',
      agents: null,
    });
    const principal = await trpcClient(server.url).auth.login.mutate({ key: reviewer.key });
    expect(principal.role).toBe('reviewer');
    await trpcClient(server.url, reviewer.key).auth.logout.mutate();
    expect((await admin.keys.revoke.mutate({ id: reviewer.info.id })).revokedAt).not.toBeNull();
    await expect(trpcClient(server.url, reviewer.key).health.whoami.query()).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });

  it('sdk, agents, policies, approvals, audit, stats, changes and demo', async () => {
    const { key } = await admin.keys.create.mutate({
      name: 'wire-bot-2',
      role: 'agent',
      agents: ['WireBot'],
    });
    const bot = trpcClient(server.url, key);
    const reg = await bot.sdk.registerAgent.mutate({
      name: 'WireBot',
      allows: ['read'],
      blocks: ['drop'],
    });
    expect(reg.changed).toBe(true);
    expect(await bot.sdk.agentStatus.query({ name: 'WireBot' })).toEqual({ status: 'ACTIVE' });
    expect(
      (await bot.sdk.snapshot.query({ agents: ['WireBot'] })).agents[0]!.policy.allowed,
    ).toEqual(['read']);

    const allowed = await bot.sdk.decide.mutate({
      agent: 'WireBot',
      action: 'read',
      args: { id: 1 },
    });
    await bot.sdk.complete.mutate({ callId: allowed.callId, outcome: 'ok', durationMs: 4 });
    // issue 12: an ALLOWED report must be for an action the policy allows ('read'), not 'note'
    const logged = await bot.sdk.log.mutate({
      agent: 'WireBot',
      action: 'read',
      status: 'ALLOWED',
      details: 'hi',
    });
    expect(logged.id).toBeGreaterThan(allowed.auditId);
    const batch = await bot.sdk.recordBatch.mutate({
      entries: [
        {
          entryKey: 'http-batch-0001',
          agent: 'WireBot',
          action: 'read',
          status: 'ALLOWED',
          details: 'local',
          callId: 'http-local-1',
          args: {},
          decidedAt: new Date().toISOString(),
          policyVersion: reg.policy.version,
          rule: { id: 'seed-allowed', scope: 'agent', version: reg.policy.version },
        },
      ],
    });
    expect(batch).toEqual({ stored: 1, duplicates: 0, outcomes: 0, outcomeDuplicates: 0 });

    // Changes stream: open it, then produce an approval.
    const events: ChangeEvent[] = [];
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    let gotTwo!: () => void;
    const gotTwoP = new Promise<void>((r) => (gotTwo = r));
    const sub = admin.changes.onChange.subscribe(undefined, {
      onStarted: () => started(),
      onData: (e) => {
        // Other changes (a governance evaluation the calls caused) may come in between.
        if (!e.data.type.startsWith('approval.')) return;
        events.push(e.data);
        if (events.length === 2) gotTwo();
      },
    });
    await startedP;
    const review = await bot.sdk.decide.mutate({
      agent: 'WireBot',
      action: 'wire',
      args: { ssn: '123-45-6789' },
    });
    const other = await bot.sdk.decide.mutate({ agent: 'WireBot', action: 'wire', args: { n: 2 } });
    expect((await bot.sdk.approvalStatus.query({ id: review.approvalId! })).status).toBe('PENDING');
    expect((await admin.approvals.pending.query()).map((a) => a.id)).toEqual([
      other.approvalId,
      review.approvalId,
    ]);
    expect((await admin.approvals.list.query({ status: 'PENDING' })).approvals).toHaveLength(2);
    expect((await admin.approvals.byId.query({ id: review.approvalId! })).args).toEqual({
      ssn: '***-**-6789',
    });
    expect((await admin.approvals.reveal.mutate({ id: review.approvalId! })).args).toEqual({
      ssn: '123-45-6789',
    });
    expect(
      (await admin.approvals.decide.mutate({ id: review.approvalId!, decision: 'APPROVED' }))
        .status,
    ).toBe('APPROVED');
    expect((await bot.sdk.approvalTimeout.mutate({ id: other.approvalId! })).status).toBe(
      'EXPIRED',
    );
    await gotTwoP;
    sub.unsubscribe();
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(['approval.created', 'approval.created']);

    expect((await admin.agents.list.query())[0]).toMatchObject({ name: 'WireBot' });
    expect((await admin.agents.byName.query({ name: 'WireBot' })).toolsUsed.length).toBeGreaterThan(
      0,
    );
    expect(
      (await admin.agents.setStatus.mutate({ name: 'WireBot', status: 'PAUSED' })).status,
    ).toBe('PAUSED');
    expect((await bot.sdk.decide.mutate({ agent: 'WireBot', action: 'read' })).verdict).toBe(
      'KILLED',
    );
    expect(
      (await admin.policies.set.mutate({ agent: 'WireBot', action: 'export', rule: 'BLOCK' }))
        .blocked,
    ).toContain('export');
    expect((await admin.policies.rules.query({ agent: 'WireBot' })).length).toBe(3);
    expect(
      (await admin.policies.remove.mutate({ agent: 'WireBot', action: 'export' })).blocked,
    ).not.toContain('export');
    expect((await admin.policies.forAgent.query({ agent: 'WireBot' })).allowed).toEqual(['read']);

    expect((await admin.audit.list.query({ agent: 'WireBot' })).entries.length).toBeGreaterThan(5);
    expect(await admin.audit.verify.query()).toMatchObject({ ok: true });
    expect((await admin.stats.get.query()).registeredAgents).toBe(1);
    expect((await admin.stats.timeline.query({ hours: 2 })).buckets).toHaveLength(2);

    expect((await admin.demo.seed.mutate()).customers).toBe(10);
    expect(await admin.agents.list.query()).toEqual([]);
  });
});
