import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityFilterOf, activityParams } from '@aegis/shared';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// A run (a conversation, a job) as a whole: the calls an agent made under one runId, listed and
// counted by Activity's `run` filter, with the id on each entry so the dashboard can link to it.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  const admin = t.as(principals.admin);
  await admin.sdk.registerAgent({ name: 'RunA', allows: ['read'], blocks: ['drop'] });
  await admin.sdk.registerAgent({ name: 'RunB', allows: ['read'] });
  for (let i = 0; i < 5; i++)
    await admin.sdk.decide({ agent: 'RunA', action: i === 3 ? 'drop' : 'read', args: { i }, runId: 'chat-41' });
  await admin.sdk.decide({ agent: 'RunA', action: 'read', args: { i: 9 }, runId: 'chat-42' });
  await admin.sdk.decide({ agent: 'RunA', action: 'read', args: { i: 10 } });
  await admin.sdk.decide({ agent: 'RunB', action: 'read', runId: 'chat-41' });
});
afterAll(() => t.dispose());

describe('a run as a whole', () => {
  it("lists and counts exactly the run's calls, newest first, each carrying its runId", async () => {
    const viewer = t.as(principals.viewer).audit;
    const run = await viewer.list({ run: 'chat-41', agent: 'RunA' });
    expect(run.entries.map((e) => [e.action, e.status])).toEqual([
      ['read', 'ALLOWED'],
      ['drop', 'BLOCKED'],
      ['read', 'ALLOWED'],
      ['read', 'ALLOWED'],
      ['read', 'ALLOWED'],
    ]);
    expect(new Set(run.entries.map((e) => e.runId))).toEqual(new Set(['chat-41']));
    expect(await viewer.count({ run: 'chat-41', agent: 'RunA' })).toMatchObject({ count: 5, exact: true });
    // Another agent's run of the same name is its own unless the filter names no agent.
    expect((await viewer.list({ run: 'chat-41' })).entries).toHaveLength(6);
    expect((await viewer.list({ run: 'chat-42' })).entries.map((e) => e.runId)).toEqual(['chat-42']);
    expect((await viewer.list({ run: 'chat-41', status: ['BLOCKED'] })).entries).toHaveLength(1);
    expect((await viewer.list({ run: 'nobody' })).entries).toEqual([]);
    // A call made under no run carries none.
    const all = await viewer.list({ agent: 'RunA', limit: 10 });
    expect(all.entries.filter((e) => e.runId === undefined)).toHaveLength(1);
  });

  it("holds a person's decision on one of the run's calls beside the call", async () => {
    const admin = t.as(principals.admin);
    const held = await admin.sdk.decide({ agent: 'RunB', action: 'wire', args: { amount: 5 }, runId: 'job-9' });
    expect(held.approvalId).toEqual(expect.any(Number));
    await t.as(principals.reviewer).approvals.decide({ id: held.approvalId!, decision: 'DENIED' });
    const run = await t.as(principals.viewer).audit.list({ run: 'job-9' });
    expect(run.entries.map((e) => [e.status, e.source])).toEqual([
      ['DENIED', 'person'],
      ['PENDING', 'server'],
    ]);
  });

  it('is an Activity URL parameter (dashboard, export, `aegis logs`), and a bad one is refused', async () => {
    const parsed = activityParams.parse({ run: 'chat-41', agent: 'RunA' });
    expect(activityFilterOf(parsed)).toEqual({ run: 'chat-41', agents: ['RunA'] });
    expect(activityParams.safeParse({ run: 'x'.repeat(129) }).success).toBe(false);
    await expect(t.as(principals.viewer).audit.list({ run: '' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
