import { beforeAll, describe, expect, it } from 'vitest';
import { ANOMALY_TUNING, detectAnomalies, type HourCount } from '@aegis/shared';
import { createRepos, type Repos } from '../../data/repos';
import { IncrementSet, type RollupSource } from '../../data/repos/rollupIncrements';
import { EventBus } from '../../events/bus';
import { scanAnomalies } from './anomalyWatch';
import { seededRandom } from '../../../test/helpers/random';
import { useTestDb } from '../../../test/helpers/testDb';

// The scan reads the seasonal hours and the lookback's totals from coarse rollups; it must flag
// exactly what detectAnomalies says given every hour of the lookback counted from the calls.
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 5, 14, 41, 7);

const db = useTestDb();
let repos: Repos;
beforeAll(async () => {
  repos = await createRepos(await db.connect(), { onAuditWritten: () => {} });
});

/** 20 days of hourly traffic for 12 agent × action series, with spikes, off-hours calls, blocks. */
function traffic(): RollupSource[] {
  const rnd = seededRandom(7);
  const calls: RollupSource[] = [];
  const current = NOW - (NOW % HOUR);
  for (let agent = 0; agent < 4; agent++)
    for (const action of ['refund', 'lookup', 'wire.transfer']) {
      // Busy nine hours a day: some series around the hours judged (13:00, 14:00), some not.
      const busyFrom = rnd() < 0.5 ? Math.floor(rnd() * 3) : 8 + Math.floor(rnd() * 4);
      const started = current - Math.floor(3 + rnd() * 17) * DAY;
      for (let t = started; t <= current; t += HOUR) {
        const hourOfDay = new Date(t).getUTCHours();
        let n = hourOfDay >= busyFrom && hourOfDay < busyFrom + 9 ? Math.floor(rnd() * 8) : 0;
        let blockRate = 0.05;
        if (t >= current - HOUR) {
          const twist = rnd();
          if (twist < 0.25)
            n += 60; // spike
          else if (twist < 0.4)
            n += 6; // off hours, when the hour is normally idle
          else if (twist < 0.6) {
            n += 10;
            blockRate = 0.9;
          }
        }
        for (let i = 0; i < n; i++)
          calls.push({
            timestamp: new Date(t + Math.floor(rnd() * HOUR)),
            agent: `agent-${agent}`,
            action,
            status: rnd() < blockRate ? 'BLOCKED' : 'ALLOWED',
            source: 'server',
            approvalId: null,
          });
      }
    }
  return calls;
}

/** What the scan must find: detectAnomalies over every hour of the lookback, from the calls. */
function expected(calls: readonly RollupSource[]): string[] {
  const current = NOW - (NOW % HOUR);
  const hours = new Map<string, Map<number, HourCount>>();
  const first = new Map<string, number>();
  for (const c of calls) {
    const at = new Date(c.timestamp).getTime();
    const hour = at - (at % HOUR);
    for (const key of [`${c.agent}\u0000${c.action}`, `${c.agent}\u0000`])
      first.set(key, Math.min(first.get(key) ?? Infinity, at));
    const key = `${c.agent}\u0000${c.action}`;
    const byHour = hours.get(key) ?? hours.set(key, new Map()).get(key)!;
    const h = byHour.get(hour) ?? byHour.set(hour, { hour, total: 0, blocked: 0 }).get(hour)!;
    h.total++;
    if (c.status === 'BLOCKED') h.blocked++;
  }
  const ids: string[] = [];
  for (const hour of [current - HOUR, current])
    for (const [key, byHour] of hours) {
      const now = byHour.get(hour);
      if (!now) continue;
      const [agent, action] = key.split('\u0000') as [string, string];
      const firstSeen = first.get(key) ?? null;
      const history = [...byHour.values()].filter(
        (h) => h.hour < hour && h.hour >= hour - ANOMALY_TUNING.lookbackDays * DAY,
      );
      for (const f of detectAnomalies({
        current: now,
        history,
        firstSeen: firstSeen !== null && firstSeen >= hour ? null : firstSeen,
        agentFirstSeen: first.get(`${agent}\u0000`) ?? null,
      }))
        ids.push(
          `${f.kind}:${agent}:${action}:${new Date(hour).toISOString()} ${f.observed}/${f.expected}/${f.threshold}`,
        );
    }
  return ids.sort();
}

describe('the anomaly scan', () => {
  it('flags what the full hourly history says, reading only the seasonal hours and coarse totals', async () => {
    const calls = traffic();
    const set = new IncrementSet();
    for (const c of calls) set.add(c);
    await repos.rollups.apply(set.values());
    const found = await scanAnomalies(repos, new EventBus(100, () => {}), NOW);
    const got = found
      .map((a) => `${a.id} ${a.evidence.observed}/${a.evidence.expected}/${a.evidence.threshold}`)
      .sort();
    const want = expected(calls);
    expect(got).toEqual(want);
    // The traffic exercised every kind the scan reads history for.
    const kinds = new Set(want.map((id) => id.split(':')[0]));
    expect([...kinds].sort()).toEqual(['block_rate', 'off_hours', 'spike']);
  });
});
