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

  it('cuts a window into buckets that fit it, and refuses a backwards or endless one', async () => {
    const viewer = t.as(principals.viewer).stats;
    const now = Date.now();
    const quarter = await viewer.timeline({ from: new Date(now - 15 * 60_000).toISOString() });
    expect(quarter.bucketMs).toBe(60_000);
    const sum = (tl: typeof quarter) => tl.buckets.reduce((n, b) => n + b.allowed + b.blocked + b.review + b.killed, 0);
    expect(sum(quarter)).toBe(6);
    const month = await viewer.timeline({ from: new Date(now - 30 * 86_400_000).toISOString() });
    expect(month.bucketMs).toBe(86_400_000);
    expect(sum(month)).toBe(6);
    const before = await viewer.timeline({
      from: new Date(now - 3 * 86_400_000).toISOString(),
      to: new Date(now - 86_400_000).toISOString(),
    });
    expect(sum(before)).toBe(0);
    // the dashboard's presets, as its range picker sends them
    const week = await viewer.timeline({ range: '7d' });
    expect(week.bucketMs).toBe(3 * 3600_000);
    expect(sum(week)).toBe(6);
    for (const bad of [
      { to: new Date(now).toISOString() },
      { from: new Date(now + 86_400_000).toISOString(), to: new Date(now + 2 * 86_400_000).toISOString() },
      { from: new Date(now).toISOString(), to: new Date(now - 1000).toISOString() },
      { from: '2000-01-01T00:00:00Z' },
      { from: 'yesterday' },
    ]) {
      const err = await viewer.timeline(bad).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(String(err)).toContain('from');
    }
  });

  it('needs a viewer', async () => {
    await expect(t.as(null).stats.get()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
