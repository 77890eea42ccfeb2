import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('keeps the first answer after the kill-switch flipped in between', async () => {
    const callId = 'retry-before-kill-01';
    const first = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', callId });
    await t.as(principals.admin).agents.setStatus({ name: 'RetryBot', status: 'PAUSED' });
    const again = await t.as(bot).sdk.decide({ agent: 'RetryBot', action: 'read', callId });
    await t.as(principals.admin).agents.setStatus({ name: 'RetryBot', status: 'ACTIVE' });
    expect(again).toMatchObject({ verdict: 'ALLOWED', auditId: first.auditId });
    expect(await entries(callId)).toHaveLength(1);
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
