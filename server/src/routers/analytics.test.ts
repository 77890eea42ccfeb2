import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  const admin = t.as(principals.admin);
  await admin.sdk.registerAgent({ name: 'teller', allows: ['balance'], blocks: ['wire'] });
  for (const action of ['balance', 'balance', 'balance', 'wire', 'refund'])
    await admin.sdk.decide({
      agent: 'teller',
      action,
      args: action === 'balance' ? { card: '4111 1111 1111 1111' } : {},
    });
  const { approvals } = await t.as(principals.viewer).approvals.list({ status: 'PENDING' });
  await t.as(principals.reviewer).approvals.decide({ id: approvals[0]!.id, decision: 'APPROVED' });
});
afterAll(() => t.dispose());

/** Rollups are updated just after the audit write, without the caller waiting: poll briefly. */
async function settled<T>(read: () => Promise<T>, done: (x: T) => boolean): Promise<T> {
  return vi.waitFor(
    async () => {
      const x = await read();
      if (!done(x)) throw new Error('rollups not updated yet');
      return x;
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('analytics router', () => {
  it('counts decisions by verdict, agent and action, with block and review rates', async () => {
    const viewer = t.as(principals.viewer).analytics;
    const d = await settled(
      () => viewer.decisions({ range: '1h' }),
      (x) => x.totals.calls >= 5,
    );
    expect(d.granularity).toBe('minute');
    expect(d.totals).toMatchObject({
      calls: 5,
      allowed: 3,
      blocked: 1,
      review: 1,
      blockRate: 0.2,
      reviewRate: 0.2,
    });
    expect(d.byAgent).toEqual([expect.objectContaining({ agent: 'teller', calls: 5 })]);
    expect(d.byAction[0]).toMatchObject({ action: 'balance', calls: 3, allowed: 3 });
    expect(d.series.reduce((n, b) => n + b.allowed + b.blocked + b.review, 0)).toBe(5);
    const wire = await viewer.decisions({ range: '24h', action: 'wire' });
    expect(wire.totals).toMatchObject({ calls: 1, blocked: 1 });
    expect(wire.granularity).toBe('hour');
  });

  it('measures time to a human decision and who made it', async () => {
    const a = await settled(
      () => t.as(principals.viewer).analytics.approvals({ range: '24h' }),
      (x) => x.decided >= 1,
    );
    expect(a).toMatchObject({ decided: 1, approved: 1, denied: 0 });
    expect(a.reviewers).toEqual([
      expect.objectContaining({ reviewer: principals.reviewer.name, decided: 1, approved: 1 }),
    ]);
    expect(a.latency.meanMs).not.toBeNull();
    expect(a.latency.p50Ms).not.toBeNull();
  });

  it('names the deciding rules and the DLP detectors', async () => {
    const viewer = t.as(principals.viewer).analytics;
    const r = await viewer.rules({ range: '24h' });
    expect(r.rules.reduce((n, x) => n + x.calls, 0)).toBeGreaterThanOrEqual(4);
    expect(r.rules.some((x) => x.blocked === 1)).toBe(true);
    const dlp = await viewer.dlp({ range: '24h' });
    expect(dlp.detectors).toEqual([expect.objectContaining({ detector: 'card', calls: 3 })]);
  });

  it('rebuilds the same numbers from the audit log (admins only)', async () => {
    const before = await t.as(principals.viewer).analytics.decisions({ range: '7d' });
    await expect(t.as(principals.viewer).analytics.rebuild()).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const rebuilt = await t.as(principals.admin).analytics.rebuild();
    expect(rebuilt.entries).toBeGreaterThanOrEqual(6);
    const after = await t.as(principals.viewer).analytics.decisions({ range: '7d' });
    expect(after.totals).toEqual(before.totals);
    expect((await t.as(principals.viewer).analytics.approvals({ range: '7d' })).decided).toBe(1);
    // The rebuild is in the trail, by whom and over how much; the refused attempt left nothing.
    const { entries } = await t.as(principals.viewer).audit.list({ limit: 50 });
    const noted = entries.filter((e) => e.action === 'aegis:analytics-rebuild');
    expect(noted).toEqual([
      expect.objectContaining({
        status: 'RESET',
        source: 'person',
        actor: principals.admin.name,
        agent: '',
      }),
    ]);
    expect(noted[0]!.details).toContain(`through #${rebuilt.through}`);
  });

  it('refuses agents, bad windows and unknown anomalies with 4xx errors', async () => {
    await expect(
      t.as(principals.agent('teller')).analytics.decisions({ range: '1h' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.as(null).analytics.decisions({ range: '1h' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    const viewer = t.as(principals.viewer).analytics;
    await expect(
      viewer.decisions({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(viewer.decisions({ range: '2y' as never })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(viewer.decisions({ from: '2020-01-01T00:00:00Z' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(viewer.anomaly({ id: 'spike:nobody:x:2026' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await viewer.anomalies({ range: '24h' })).toEqual({ anomalies: [] });
  });
});
