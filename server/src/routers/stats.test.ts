import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  const admin = t.as(principals.admin);
  await admin.sdk.registerAgent({ name: 'A', allows: ['ok'], blocks: ['bad', 'worse'] });
  await admin.sdk.registerAgent({ name: 'B' });
  await admin.agents.setStatus({ name: 'B', status: 'PAUSED' });
  for (const action of ['ok', 'bad', 'bad', 'worse', 'unknown'])
    await admin.sdk.decide({ agent: 'A', action });
  await admin.sdk.decide({ agent: 'B', action: 'x' });
});
afterAll(() => t.dispose());

describe('stats router', () => {
  it('summarizes agents, blocks in 24 h, pending approvals, risk level and counts', async () => {
    const stats = await t.as(principals.viewer).stats.get();
    expect(stats).toMatchObject({
      registeredAgents: 2,
      activeAgents: 1,
      blocks24h: 3,
      pendingApprovals: 1,
      riskLevel: 'MEDIUM',
    });
    expect(stats.counts).toMatchObject({
      ALLOWED: 1,
      BLOCKED: 3,
      PENDING: 1,
      KILLED: 1,
      APPROVED: 0,
    });
  });

  it('buckets the timeline by hour and verdict, with the most blocked actions', async () => {
    const timeline = await t.as(principals.viewer).stats.timeline({ hours: 6 });
    expect(timeline.buckets).toHaveLength(6);
    // Summed: the entries may straddle an hour boundary.
    const sum = (k: 'allowed' | 'blocked' | 'review' | 'killed') =>
      timeline.buckets.reduce((n, b) => n + b[k], 0);
    expect([sum('allowed'), sum('blocked'), sum('review'), sum('killed')]).toEqual([1, 3, 1, 1]);
    expect(
      new Date(timeline.buckets[1]!.start).getTime() -
        new Date(timeline.buckets[0]!.start).getTime(),
    ).toBe(3600_000);
    expect(timeline.topBlocked).toEqual([
      { action: 'bad', count: 2 },
      { action: 'worse', count: 1 },
    ]);
    const err = await t
      .as(principals.viewer)
      .stats.timeline({ hours: 0 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(err)).toContain('hours');
  });

  it('needs a viewer', async () => {
    await expect(t.as(null).stats.get()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
