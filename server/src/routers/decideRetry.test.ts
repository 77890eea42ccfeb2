import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RETRY_WINDOW_MS } from '../services/decisions';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// An SDK whose decide got no answer sends it again (to another server): the call id makes that a no-op.
let t: TestContext;
const bot = principals.agent('RetryBot');
beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({
    name: 'RetryBot',
    allows: ['read'],
    blocks: ['drop'],
    review: ['wire'],
  });
});
afterAll(() => t.dispose());

const entries = async (callId: string) =>
  (await t.as(principals.viewer).audit.list({ agent: 'RetryBot', limit: 200 })).entries.filter(
    (e) => e.callId === callId,
  );

describe('sdk.decide retried with the same call id', () => {
  it('answers the stored decision and stores nothing more, also when retried concurrently', async () => {
    for (const [action, verdict] of [['read', 'ALLOWED'], ['drop', 'BLOCKED']] as const) {
      const callId = `retry-${action}-0001`;
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => t.as(bot).sdk.decide({ agent: 'RetryBot', action, callId })),
      );
      expect(new Set(answers.map((a) => a.auditId)).size).toBe(1);
      expect(answers.every((a) => a.verdict === verdict)).toBe(true);
      expect(await entries(callId)).toHaveLength(1);
    }
  });

  it('a retry after the kill-switch flipped is refused, and the refusal is on record', async () => {
    const callId = 'retry-before-kill-01';
    const first = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', callId });
    await t.as(principals.admin).agents.setStatus({ name: 'RetryBot', status: 'PAUSED' });
    const again = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', callId });
    await t.as(principals.admin).agents.setStatus({ name: 'RetryBot', status: 'ACTIVE' });
    expect(first.verdict).toBe('ALLOWED');
    expect(again.verdict).toBe('KILLED');
    expect(again.auditId).not.toBe(first.auditId);
    expect((await entries(callId)).map((e) => e.status).sort()).toEqual(['ALLOWED', 'KILLED']);
  });

  it('a REVIEW retry opens no second approval', async () => {
    const callId = 'retry-review-0001';
    const first = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 1 }, callId });
    const again = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 1 }, callId });
    expect(first.verdict).toBe('REVIEW');
    expect(again).toMatchObject({ verdict: 'REVIEW', auditId: first.auditId, approvalId: first.approvalId });
    const pending = (await t.as(principals.reviewer).approvals.pending()).filter((a) => a.agent === 'RetryBot');
    expect(pending).toHaveLength(1);
  });

  it('the same call id for another action is a CONFLICT, and nothing is stored', async () => {
    const callId = 'retry-other-00001';
    await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', callId });
    await expect(t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'drop', callId })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await entries(callId)).toHaveLength(1);
  });
});

// A call id names one call. Reused for other arguments, or after the call ran, or long after, it is
// refused: the stored ALLOWED must never become a standing permission (found by an attack review:
// a blocked, held or killed call answered ALLOWED under an old call id, and left no record).
describe('sdk.decide with a call id decided before', () => {
  const conflict = { code: 'CONFLICT' };

  it('other arguments are a CONFLICT, whatever the policy would say of them, and nothing is stored', async () => {
    const callId = 'reuse-args-000001';
    await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 1 }, callId: 'reuse-held' });
    const first = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', args: { id: 1 }, callId });
    expect(first.verdict).toBe('ALLOWED');
    for (const args of [{ id: 2 }, { id: 1, extra: true }, {}]) {
      await expect(
        t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', args, callId }),
      ).rejects.toMatchObject({ ...conflict, message: expect.stringContaining('another call') });
    }
    // The held call's id with other arguments opens no approval and answers nothing stored.
    await expect(
      t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 2 }, callId: 'reuse-held' }),
    ).rejects.toMatchObject(conflict);
    expect(await entries(callId)).toHaveLength(1);
    expect(await entries('reuse-held')).toHaveLength(1);
  });

  it('the same call blocked by the policy since is BLOCKED, on record beside the first answer', async () => {
    const agent = principals.agent('ReuseBot');
    await t.as(agent).sdk.registerAgent({ name: 'ReuseBot', allows: ['pay'] });
    const callId = 'reuse-policy-00001';
    const first = await t.as(agent).sdk.decide({ agent: 'ReuseBot', action: 'pay', args: { to: 'x' }, callId });
    await t.as(principals.admin).policies.applyRules({
      yaml: 'kind: AgentPolicy\nagent: ReuseBot\ndefault: ALLOW\nrules:\n  - id: no-pay\n    actions: [pay]\n    effect: BLOCK\n',
    });
    const again = await t.as(agent).sdk.decide({ agent: 'ReuseBot', action: 'pay', args: { to: 'x' }, callId });
    expect(first.verdict).toBe('ALLOWED');
    expect(again).toMatchObject({ verdict: 'BLOCKED', rule: { id: 'no-pay' } });
    const list = (await t.as(principals.viewer).audit.list({ agent: 'ReuseBot', limit: 50 })).entries;
    expect(list.filter((e) => e.callId === callId).map((e) => e.status).sort()).toEqual(['ALLOWED', 'BLOCKED']);
  });

  it('an allowed call that ran (its outcome recorded) is not allowed again', async () => {
    const callId = 'reuse-ran-0000001';
    await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', args: { id: 7 }, callId });
    await t.as(bot).sdk.complete({ callId, outcome: 'ok', durationMs: 3 });
    await t.settle();
    await expect(
      t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', args: { id: 7 }, callId }),
    ).rejects.toMatchObject({ ...conflict, message: expect.stringContaining('already ran') });
    expect(await entries(callId)).toHaveLength(1);
  });

  it('an approved call is not approved twice: the retry of a call that ran is refused', async () => {
    const callId = 'reuse-approved-001';
    const held = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 9 }, callId });
    await t.as(principals.reviewer).approvals.decide({ id: held.approvalId!, decision: 'APPROVED' });
    const ran = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 9 }, callId });
    expect(ran.verdict).toBe('ALLOWED');
    // Retried before it ran: the same answer (a lost reply), no second approval used.
    const retried = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 9 }, callId });
    expect(retried).toMatchObject({ verdict: 'ALLOWED', auditId: ran.auditId });
    await expect(
      t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 900 }, callId }),
    ).rejects.toMatchObject(conflict);
    await t.as(bot).sdk.complete({ callId, outcome: 'ok', durationMs: 3 });
    await t.settle();
    await expect(
      t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'wire', args: { n: 9 }, callId }),
    ).rejects.toMatchObject(conflict);
  });

  it('an allowed call id is a retry only within the retry window', async () => {
    const callId = 'reuse-late-000001';
    const first = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', args: { id: 3 }, callId });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + RETRY_WINDOW_MS - 5_000 });
    try {
      const soon = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', args: { id: 3 }, callId });
      expect(soon.auditId).toBe(first.auditId);
      vi.setSystemTime(Date.now() + 10_000);
      await expect(
        t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', args: { id: 3 }, callId }),
      ).rejects.toMatchObject({ ...conflict, message: expect.stringContaining('too long ago') });
    } finally {
      vi.useRealTimers();
    }
  });
});
