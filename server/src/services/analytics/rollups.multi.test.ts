import { beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@aegis/shared';
import { createRepos, type Repos } from '../../data/repos';
import { IncrementSet } from '../../data/repos/rollupIncrements';
import { EventBus } from '../../events/bus';
import { createLogger } from '../../logger';
import { scanAnomalies } from './anomalyWatch';
import { decisions } from './queries';
import { rebuildRollups } from './rebuild';
import { RollupRecorder } from './rollupRecorder';
import { windowFor } from './window';
import { useTestDb } from '../../../test/helpers/testDb';

// Three servers on one database, each rolling up the entries it writes, as createServices does;
// the first writes through the driver, the others straight into the store.
const logger = createLogger('silent');
const db = useTestDb();
const servers: Array<{ repos: Repos; recorder: RollupRecorder; bus: EventBus }> = [];
beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const conn = await db.connect({ inProcess: i > 0 });
    let recorder: RollupRecorder | null = null;
    const repos = await createRepos(conn, {
      onAuditWritten: (_, docs) => recorder?.record(docs),
    });
    recorder = new RollupRecorder(repos, logger);
    servers.push({ repos, recorder, bus: new EventBus(100, () => {}) });
  }
});

const HOUR = 3600_000;
const statuses = ['ALLOWED', 'BLOCKED', 'PENDING'] as const;

describe('rollups with several servers on one database', () => {
  it('counts 900 concurrent decisions from three servers exactly once, and a rebuild agrees', async () => {
    await Promise.all(
      servers.flatMap(({ repos }, w) =>
        Array.from({ length: 300 }, (_, i) =>
          repos.audit.write({
            timestamp: new Date(),
            agent: 'payments',
            action: i % 2 ? 'transfer' : 'lookup',
            status: statuses[i % 3]!,
            source: 'server',
            details: '',
            callId: `c-${w}-${i}`,
            approvalId: null,
            argsPreview: null,
            findings:
              i % 10 === 0
                ? [{ detector: 'card', path: '$.n', count: 2, confidence: 0.9 }]
                : undefined,
          }),
        ),
      ),
    );
    for (const s of servers) await s.recorder.drain();
    const live = await decisions(servers[0]!.repos, windowFor({ range: '1h' }));
    expect(live.totals).toMatchObject({ calls: 900, allowed: 300, blocked: 300, review: 300 });
    expect(live.byAction.map((a) => [a.action, a.calls]).sort()).toEqual([
      ['lookup', 450],
      ['transfer', 450],
    ]);
    expect(live.series.reduce((n, b) => n + b.allowed + b.blocked + b.review, 0)).toBe(900);

    // Hour and day buckets hold the same counts as the minute buckets.
    const daily = await decisions(servers[1]!.repos, windowFor({ range: '30d' }));
    expect(daily.totals.calls).toBe(900);

    const rebuilt = await rebuildRollups(servers[2]!.repos, logger);
    expect(rebuilt.entries).toBe(900);
    const again = await decisions(servers[0]!.repos, windowFor({ range: '1h' }));
    expect(again.totals).toEqual(live.totals);
    expect(again.byAction).toEqual(live.byAction);
  });

  it('stores an anomaly once and announces it once when every server scans at the same time', async () => {
    const now = Date.now();
    const hour = now - (now % HOUR);
    // Ten days of ~5 calls an hour for refunds, then 80 in the current hour.
    const history = new IncrementSet();
    for (let day = 10; day >= 1; day--)
      for (let h = 0; h < 24; h++)
        for (let i = 0; i < 5; i++)
          history.add({
            timestamp: new Date(hour - day * 24 * HOUR + h * HOUR),
            agent: 'support',
            action: 'refund',
            status: 'ALLOWED',
            source: 'server',
            approvalId: null,
          });
    for (let i = 0; i < 80; i++)
      history.add({
        timestamp: new Date(hour + 1000),
        agent: 'support',
        action: 'refund',
        status: 'ALLOWED',
        source: 'server',
        approvalId: null,
      });
    await servers[0]!.repos.rollups.apply(history.values());

    const events: ChangeEvent[] = [];
    for (const s of servers) s.bus.onChange((e) => events.push(e));
    const found = (
      await Promise.all(servers.map((s) => scanAnomalies(s.repos, s.bus, now)))
    ).flat();
    const spikes = found.filter((a) => a.agent === 'support' && a.action === 'refund');
    expect(spikes).toHaveLength(1);
    expect(spikes[0]).toMatchObject({ kind: 'spike', evidence: { observed: 80, expected: 5 } });
    expect(events.filter((e) => e.type === 'anomaly.detected')).toHaveLength(found.length);
    const stored = await servers[1]!.repos.anomalies.get(spikes[0]!.id);
    expect(stored?.summary).toContain('80 calls');

    // A scan later in the same hour finds nothing new to announce.
    expect(await scanAnomalies(servers[2]!.repos, servers[2]!.bus, now + 1000)).toEqual([]);
  });

  it('folds sequential calls into one group of upserts, and drain writes it without waiting', async () => {
    // A fourth server whose recorder waits a minute for company, so the test can't race it.
    const conn = await db.connect();
    let recorder: RollupRecorder | null = null;
    const repos = await createRepos(conn, {
      onAuditWritten: (_, docs) => recorder?.record(docs),
    });
    recorder = new RollupRecorder(repos, logger, 60_000);
    const groups: number[] = [];
    const apply = repos.rollups.apply.bind(repos.rollups);
    repos.rollups.apply = (increments) => {
      groups.push(increments.length);
      return apply(increments);
    };
    for (let i = 0; i < 20; i++)
      await repos.audit.write({
        timestamp: new Date(),
        agent: 'coalesced',
        action: 'lookup',
        status: 'ALLOWED',
        source: 'server',
        details: '',
        callId: `seq-${i}`,
        approvalId: null,
        argsPreview: null,
        findings: [{ detector: 'email', path: '$.to', count: 1, confidence: 0.9 }],
      });
    await repos.audit.drain();
    expect(groups).toEqual([]);

    await recorder.drain();
    // The agent's document at minute, hour, quarter day, day and week, every agent's (tl) at
    // minute, hour and day, and two first-seen markers (two more documents if the minute
    // turned): one upsert each for all twenty calls, their findings inside.
    expect(groups).toHaveLength(1);
    expect(groups[0]).toBeGreaterThanOrEqual(10);
    expect(groups[0]).toBeLessThanOrEqual(12);
    const counted = await decisions(repos, windowFor({ range: '1h', agent: 'coalesced' }));
    expect(counted.totals.calls).toBe(20);
  });
});
