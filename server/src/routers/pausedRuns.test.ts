import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// Review by interrupt, on the server: a call that names its paused graph run is held to the
// approval that run paused on; resumers claim each decided run once; agent keys see only theirs.
let t: TestContext;
const bot = principals.agent('RunBot');
const other = principals.agent('OtherBot');
const run = { threadId: 'thread-1', toolCallId: 'call-1' };

beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'RunBot', review: ['wire'] });
  await t.as(other).sdk.registerAgent({ name: 'OtherBot', review: ['wire'] });
});
afterAll(() => t.dispose());

const decide = (args: Record<string, unknown>, ref = run) =>
  t.as(bot).sdk.decide({ agent: 'RunBot', action: 'wire', args, run: ref });

describe('decide with a paused run', () => {
  it('remembers the run on the approval; the same run resumed before a decision is REVIEW again', async () => {
    const first = await decide({ amount: 10 });
    expect(first.verdict).toBe('REVIEW');
    const approval = await t.as(principals.viewer).approvals.byId({ id: first.approvalId! });
    expect(approval.pausedRun).toMatchObject({ ...run, resumedAt: null });
    const again = await decide({ amount: 10 });
    expect(again).toMatchObject({ verdict: 'REVIEW', approvalId: first.approvalId });
  });

  it('denied → BLOCKED on resume, and no second approval is opened', async () => {
    const ref = { threadId: 'thread-2', toolCallId: 'call-1' };
    const first = await decide({ amount: 20 }, ref);
    await t.as(principals.reviewer).approvals.decide({ id: first.approvalId!, decision: 'DENIED' });
    const resumed = await decide({ amount: 20 }, ref);
    expect(resumed).toMatchObject({ verdict: 'BLOCKED', approvalId: first.approvalId });
    expect(resumed.reason).toMatch(/denied approval/);
    const { approvals } = await t
      .as(principals.viewer)
      .approvals.list({ agent: 'RunBot', limit: 50 });
    expect(approvals.filter((a) => a.pausedRun?.threadId === 'thread-2')).toHaveLength(1);
  });

  it('approved → ALLOWED once; other arguments under the same run, or a second use, → BLOCKED', async () => {
    const ref = { threadId: 'thread-3', toolCallId: 'call-1' };
    const first = await decide({ amount: 30 }, ref);
    await t
      .as(principals.reviewer)
      .approvals.decide({ id: first.approvalId!, decision: 'APPROVED' });
    const changed = await decide({ amount: 30_000 }, ref);
    expect(changed.verdict).toBe('BLOCKED');
    expect(changed.reason).toMatch(/differs/);
    expect(await decide({ amount: 30 }, ref)).toMatchObject({
      verdict: 'ALLOWED',
      approvalId: first.approvalId,
    });
    const reused = await decide({ amount: 30 }, ref);
    expect(reused).toMatchObject({ verdict: 'BLOCKED' });
    expect(reused.reason).toMatch(/single-use/);
  });

  it('refuses oversized run references with BAD_REQUEST', async () => {
    await expect(
      decide({ amount: 1 }, { threadId: 'x'.repeat(300), toolCallId: 'c' }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(decide({ amount: 1 }, { threadId: '', toolCallId: 'c' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});

describe('unresumedRuns and markResumed', () => {
  it('lists decided, unresumed runs of the key own agents only, and each run is claimed once', async () => {
    const ref = { threadId: 'thread-4', toolCallId: 'call-1' };
    const first = await decide({ amount: 40 }, ref);
    const theirs = await t
      .as(other)
      .sdk.decide({ agent: 'OtherBot', action: 'wire', args: {}, run: ref });
    for (const id of [first.approvalId!, theirs.approvalId!]) {
      await t.as(principals.reviewer).approvals.decide({ id, decision: 'APPROVED' });
    }
    const listed = await t.as(bot).sdk.unresumedRuns({ limit: 200 });
    expect(listed.map((a) => a.id)).toContain(first.approvalId);
    expect(listed.every((a) => a.agent === 'RunBot')).toBe(true);

    // Another agent's approval reads as if it did not exist (a refusal would name that agent).
    await expect(t.as(bot).sdk.markResumed({ id: theirs.approvalId! })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const claims = await Promise.allSettled([
      t.as(bot).sdk.markResumed({ id: first.approvalId! }),
      t.as(bot).sdk.markResumed({ id: first.approvalId! }),
    ]);
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    expect(claims.find((c) => c.status === 'rejected')).toMatchObject({
      reason: { code: 'CONFLICT' },
    });
    expect((await t.as(bot).sdk.unresumedRuns({ limit: 200 })).map((a) => a.id)).not.toContain(
      first.approvalId,
    );
  });

  it('a pending approval cannot be marked resumed; viewers cannot call these at all', async () => {
    const ref = { threadId: 'thread-5', toolCallId: 'call-1' };
    const pending = await decide({ amount: 50 }, ref);
    await expect(t.as(bot).sdk.markResumed({ id: pending.approvalId! })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(t.as(principals.viewer).sdk.unresumedRuns({ limit: 5 })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
