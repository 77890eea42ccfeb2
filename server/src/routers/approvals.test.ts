import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@aegis/shared';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { nextTracked } from '../../test/helpers/tracked';
import { changeVisibleTo } from './approvals';

let t: TestContext;
const bot = principals.agent('ReviewBot');
let n = 0;
/** A fresh pending approval (distinct arguments each time). */
async function openApproval(action = 'transfer') {
  const d = await t
    .as(bot)
    .sdk.decide({ agent: 'ReviewBot', action, args: { n: ++n, card: '4111 1111 1111 1111' } });
  return d.approvalId!;
}

beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'ReviewBot', allows: ['read'] });
});
afterAll(() => t.dispose());

describe('approvals router', () => {
  it('lists pending approvals with masked arguments, newest first', async () => {
    const a = await openApproval();
    const b = await openApproval();
    const pending = await t.as(principals.viewer).approvals.pending();
    expect(pending.map((p) => p.id).slice(0, 2)).toEqual([b, a]);
    // issue 12: lists carry a masked preview; the detail call has the (masked) arguments whole
    expect(pending[0]!.argsPreview).toContain('"card":"************1111"');
    const byId = await t.as(principals.viewer).approvals.byId({ id: a });
    expect(byId).toMatchObject({ id: a, status: 'PENDING', agent: 'ReviewBot', decidedBy: null });
    expect((byId.args as { card: string }).card).toBe('************1111');
  });

  it('pages through the list with a cursor and filters by status', async () => {
    for (let i = 0; i < 3; i++) await openApproval('paged');
    const viewer = t.as(principals.viewer).approvals;
    const first = await viewer.list({ limit: 2 });
    expect(first.approvals).toHaveLength(2);
    expect(first.nextCursor).toBe(first.approvals[1]!.id);
    const second = await viewer.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.approvals[0]!.id).toBeLessThan(first.nextCursor!);
    const approved = await viewer.list({ status: 'APPROVED', limit: 50 });
    expect(approved.approvals.every((x) => x.status === 'APPROVED')).toBe(true);
  });

  it('reveal gives admins the raw arguments and leaves an audit note', async () => {
    const id = await openApproval();
    const { args } = await t.as(principals.admin).approvals.reveal({ id });
    expect(args.card).toBe('4111 1111 1111 1111');
    const log = await t
      .as(principals.viewer)
      .audit.list({ agent: 'ReviewBot', action: 'aegis:reveal-args' });
    expect(log.entries[0]!.details).toContain(principals.admin.name);
    await expect(t.as(principals.reviewer).approvals.reveal({ id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('a reveal is on the record, but is not a call of the agent: counts, risk and tools stay put', async () => {
    const id = await openApproval();
    // a block on the record, so the risk score (blocked / total) is not 0 and would move
    await t.as(bot).sdk.log({ agent: 'ReviewBot', action: 'wipe', status: 'BLOCKED' });
    const viewer = t.as(principals.viewer);
    const before = await viewer.agents.byName({ name: 'ReviewBot' });
    const statsBefore = await viewer.stats.get();

    await t.as(principals.admin).approvals.reveal({ id });

    const after = await viewer.agents.byName({ name: 'ReviewBot' });
    const pick = (a: typeof before) => ({
      totalLogs: a.agent.totalLogs,
      allowedCount: a.agent.allowedCount,
      riskScore: a.agent.riskScore,
      allowed: a.agent.counts.ALLOWED,
      lastActivityAt: a.agent.lastActivityAt,
    });
    expect(pick(after)).toEqual(pick(before));
    expect(after.toolsUsed).toEqual(before.toolsUsed);
    expect((await viewer.stats.get()).counts.ALLOWED).toBe(statsBefore.counts.ALLOWED);

    const log = await viewer.audit.list({ agent: 'ReviewBot', limit: 1 });
    expect(log.entries[0]).toMatchObject({ approvalId: id, status: 'REVEALED', severity: 'info' });
    expect(log.entries[0]!.details).toContain(principals.admin.name);
  });

  it('decides once, records who, writes an APPROVED entry; a second decision is a CONFLICT', async () => {
    const id = await openApproval();
    const decided = await t.as(principals.reviewer).approvals.decide({ id, decision: 'APPROVED' });
    expect(decided).toMatchObject({ status: 'APPROVED', decidedBy: principals.reviewer.name });
    expect(decided.decidedAt).not.toBeNull();
    const log = await t
      .as(principals.viewer)
      .audit.list({ agent: 'ReviewBot', status: ['APPROVED'] });
    expect(log.entries.filter((e) => e.approvalId === id)).toHaveLength(1);
    const err = await t
      .as(principals.admin)
      .approvals.decide({ id, decision: 'DENIED' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect(String(err)).toContain('already approved');
  });

  it("keeps the decider's comment on the approval and in the audit entry of the decision", async () => {
    const id = await openApproval();
    const decided = await t
      .as(principals.reviewer)
      .approvals.decide({ id, decision: 'DENIED', comment: '  not during the freeze ' });
    expect(decided.comment).toBe('not during the freeze');
    expect((await t.as(principals.viewer).approvals.byId({ id })).comment).toBe(
      'not during the freeze',
    );
    const log = await t
      .as(principals.viewer)
      .audit.list({ agent: 'ReviewBot', status: ['DENIED'] });
    expect(log.entries.find((e) => e.approvalId === id)?.details).toContain(
      'not during the freeze',
    );
    const tooLong = await t
      .as(principals.reviewer)
      .approvals.decide({
        id: await openApproval(),
        decision: 'APPROVED',
        comment: 'x'.repeat(501),
      })
      .catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(tooLong)).toContain('comment');
  });

  it("shows the agent's last calls of the same run before it asked", async () => {
    const bot2 = t.as(bot).sdk;
    await bot2.decide({ agent: 'ReviewBot', action: 'read', args: { step: 1 }, runId: 'run-ctx' });
    await bot2.decide({
      agent: 'ReviewBot',
      action: 'read',
      args: { step: 'other run' },
      runId: 'run-other',
    });
    await bot2.decide({ agent: 'ReviewBot', action: 'read', args: { step: 2 }, runId: 'run-ctx' });
    const held = await bot2.decide({
      agent: 'ReviewBot',
      action: 'transfer',
      args: { step: 3 },
      runId: 'run-ctx',
    });
    const ctx = await t.as(principals.viewer).approvals.context({ id: held.approvalId! });
    expect(ctx.runId).toBe('run-ctx');
    expect(ctx.calls.map((e) => e.argsPreview)).toEqual(['{"step":2}', '{"step":1}']);
  });

  it('50 concurrent decides on one approval: exactly one succeeds, the rest CONFLICT', async () => {
    const id = await openApproval();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        t.as(principals.reviewer).approvals.decide({ id, decision: i % 2 ? 'APPROVED' : 'DENIED' }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    const log = await t
      .as(principals.viewer)
      .audit.list({ agent: 'ReviewBot', status: ['APPROVED', 'DENIED'], limit: 200 });
    expect(log.entries.filter((e) => e.approvalId === id)).toHaveLength(1);
  });

  it('remember turns a decision into a standing rule (admins only) and bumps the policy version', async () => {
    const before = await t.as(principals.viewer).policies.forAgent({ agent: 'ReviewBot' });
    const id = await openApproval('send_report');
    await expect(
      t.as(principals.reviewer).approvals.decide({ id, decision: 'DENIED', remember: true }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await t.as(principals.viewer).policies.forAgent({ agent: 'ReviewBot' })).version).toBe(
      before.version,
    );
    await t.as(principals.admin).approvals.decide({ id, decision: 'DENIED', remember: true });
    const after = await t.as(principals.viewer).policies.forAgent({ agent: 'ReviewBot' });
    expect(after.blocked).toContain('send_report');
    expect(after.version).toBe(before.version + 1);
    const d = await t.as(bot).sdk.decide({ agent: 'ReviewBot', action: 'send_report' });
    expect(d.verdict).toBe('BLOCKED');
  });

  it('unknown id → NOT_FOUND; invalid decision → BAD_REQUEST naming the field', async () => {
    await expect(
      t.as(principals.reviewer).approvals.decide({ id: 424242, decision: 'APPROVED' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(t.as(principals.viewer).approvals.byId({ id: 424242 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const err = await t
      .as(principals.reviewer)
      // @ts-expect-error invalid enum value on purpose
      .approvals.decide({ id: 1, decision: 'MAYBE' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(err)).toContain('decision');
  });

  it('agents and viewers cannot decide', async () => {
    const id = await openApproval();
    await expect(t.as(bot).approvals.decide({ id, decision: 'APPROVED' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      t.as(principals.viewer).approvals.decide({ id, decision: 'APPROVED' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('expiry', () => {
  it('an expired approval cannot be decided, with a clear CONFLICT', async () => {
    const short = await createTestContext({ approvalTtlMs: 1 });
    try {
      const agent = principals.agent('Hasty');
      await short.as(agent).sdk.registerAgent({ name: 'Hasty' });
      const d = await short.as(agent).sdk.decide({ agent: 'Hasty', action: 'x' });
      await new Promise((r) => setTimeout(r, 10));
      const err = await short
        .as(principals.reviewer)
        .approvals.decide({ id: d.approvalId!, decision: 'APPROVED' })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONFLICT' });
      expect(String(err)).toContain('expired');
      expect((await short.as(principals.viewer).approvals.byId({ id: d.approvalId! })).status).toBe(
        'EXPIRED',
      );
      expect(await short.as(principals.viewer).approvals.pending()).toEqual([]);
    } finally {
      await short.dispose();
    }
  });
});

describe('changes.onChange', () => {
  it('streams approval events, and resumes after the last seen event id', async () => {
    const live = (await t.as(principals.viewer).changes.onChange())[Symbol.asyncIterator]();
    // The generator subscribes when first pulled: pull, then make the event.
    const pulled = nextTracked<ChangeEvent>(live);
    await new Promise((r) => setTimeout(r, 20));
    const id = await openApproval('streamed');
    const created = await pulled;
    expect(created.data).toMatchObject({ type: 'approval.created', approval: { id } });
    await live.return?.();

    // Missed while disconnected: the decision.
    await t.as(principals.reviewer).approvals.decide({ id, decision: 'APPROVED' });
    const resumed = (await t.as(principals.viewer).changes.onChange({ lastEventId: created.id }))[
      Symbol.asyncIterator
    ]();
    const next = await nextTracked<ChangeEvent>(resumed);
    expect(next.data).toMatchObject({
      type: 'approval.decided',
      approval: { id, status: 'APPROVED' },
    });
    await resumed.return?.();
  });

  it('with recentMs, a new subscriber first gets the events of that window, then live ones', async () => {
    const id = await openApproval('before-subscribing');
    await t.as(principals.reviewer).approvals.decide({ id, decision: 'DENIED' });
    const recent = (await t.as(principals.viewer).changes.onChange({ recentMs: 60_000 }))[
      Symbol.asyncIterator
    ]();
    // In order: the approval's opening, then its decision (the window may hold earlier events).
    const seen: ChangeEvent[] = [];
    while (!seen.some((e) => e.type === 'approval.decided' && e.approval.id === id))
      seen.push((await nextTracked<ChangeEvent>(recent)).data);
    const mine = seen.filter((e) => 'approval' in e && e.approval.id === id).map((e) => e.type);
    expect(mine).toEqual(['approval.created', 'approval.decided']);
    const later = await openApproval('after-subscribing');
    let next = (await nextTracked<ChangeEvent>(recent)).data;
    while (!(next.type === 'approval.created' && next.approval.id === later))
      next = (await nextTracked<ChangeEvent>(recent)).data;
    await recent.return?.();

    // Without it, the first event is the next one.
    const plain = (await t.as(principals.viewer).changes.onChange())[Symbol.asyncIterator]();
    const pulled = nextTracked<ChangeEvent>(plain);
    await new Promise((r) => setTimeout(r, 20));
    const third = await openApproval('plain');
    expect((await pulled).data).toMatchObject({
      type: 'approval.created',
      approval: { id: third },
    });
    await plain.return?.();
    await expect(
      t.as(principals.viewer).changes.onChange({ recentMs: 120_000 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('an agent key is told of no other agent: anomalies, proposals and installation-wide counts included', () => {
    const key = principals.agent('Mine');
    const anomalyOf = (agent: string): ChangeEvent => ({
      type: 'anomaly.detected',
      anomaly: {
        id: `block_rate:${agent}:ping:2026-12-06T05:00:00.000Z`,
        kind: 'block_rate',
        agent,
        action: 'ping',
        hour: '2026-12-06T05:00:00.000Z',
        detectedAt: '2026-12-06T05:10:00.000Z',
        score: 1,
        summary: '100% of 12 calls blocked',
        evidence: { observed: 1, expected: 0.03, threshold: 0.5, historyHours: 30 },
      },
    });
    const seen = (e: ChangeEvent) => changeVisibleTo(key, e);
    expect(seen(anomalyOf('Other'))).toBe(false);
    expect(seen(anomalyOf('Mine'))).toBe(true);
    expect(seen({ type: 'governance.changed', opened: 3, resolved: 1 })).toBe(false);
    expect(seen({ type: 'agent.status', agent: 'Other', status: 'PAUSED' })).toBe(false);
    expect(seen({ type: 'policy.global.changed', version: 4 })).toBe(true);
    expect(changeVisibleTo(principals.viewer, anomalyOf('Other'))).toBe(true);
    expect(
      changeVisibleTo(principals.viewer, { type: 'governance.changed', opened: 3, resolved: 1 }),
    ).toBe(true);
  });

  it('agent keys only see their own agents’ events', async () => {
    await t.as(principals.agent('Elsewhere')).sdk.registerAgent({ name: 'Elsewhere' });
    const live = (await t.as(bot).changes.onChange())[Symbol.asyncIterator]();
    const pulled = nextTracked<ChangeEvent>(live);
    await new Promise((r) => setTimeout(r, 20));
    await t.as(principals.agent('Elsewhere')).sdk.decide({ agent: 'Elsewhere', action: 'x' });
    const mine = await openApproval('mine');
    expect((await pulled).data).toMatchObject({
      type: 'approval.created',
      approval: { id: mine, agent: 'ReviewBot' },
    });
    await live.return?.();
  });
});
