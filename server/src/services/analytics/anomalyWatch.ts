import type { Logger } from 'pino';
import { ANOMALY_TUNING, detectAnomalies, type Anomaly, type HourCount } from '@aegis/shared';
import type { Repos } from '../../data/repos';
import { fromFieldKey } from '../../data/repos/rollups.repo';
import type { EventBus } from '../../events/bus';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const BLOCKED = new Set(['BLOCKED', 'KILLED']);

/**
 * Judges the current and the previous hour of every agent × action that called in them against
 * its hourly rollups (detectAnomalies in @aegis/shared), stores what it flags and announces each
 * new one on the event stream. Every server may run it: an anomaly's id is its kind, agent,
 * action and hour, and only the server that stores it first announces it.
 */
export async function scanAnomalies(
  repos: Repos,
  bus: EventBus,
  now = Date.now(),
): Promise<Anomaly[]> {
  const current = now - (now % HOUR);
  const found: Anomaly[] = [];
  for (const hour of [current - HOUR, current]) {
    const active = await hourCounts(repos, hour, hour + HOUR);
    if (active.size === 0) continue;
    const agents = [...new Set([...active.values()].map((s) => s.agent))];
    const seen = await repos.rollups.firstSeen(agents);
    const first = new Map(seen.map((d) => [`${d.a}\u0000${d.x}`, d.first?.getTime() ?? null]));
    const history = await hourCounts(repos, hour - ANOMALY_TUNING.lookbackDays * DAY, hour, agents);
    for (const [key, s] of active) {
      const firstSeen = first.get(key) ?? null;
      const findings = detectAnomalies({
        current: s.counts.get(hour) ?? { hour, total: 0, blocked: 0 },
        history: [...(history.get(key)?.counts.values() ?? [])],
        // Seen first within this hour: never before it.
        firstSeen: firstSeen !== null && firstSeen >= hour ? null : firstSeen,
        agentFirstSeen: first.get(`${s.agent}\u0000`) ?? null,
      });
      for (const f of findings) {
        const anomaly: Anomaly = {
          id: `${f.kind}:${s.agent}:${s.action}:${new Date(hour).toISOString()}`,
          kind: f.kind,
          agent: s.agent,
          action: s.action,
          hour: new Date(hour).toISOString(),
          detectedAt: new Date(now).toISOString(),
          score: f.score,
          summary: f.summary,
          evidence: {
            observed: f.observed,
            expected: f.expected,
            threshold: f.threshold,
            historyHours: f.historyHours,
          },
        };
        if (await repos.anomalies.insertNew(anomaly)) {
          bus.emitChange({ type: 'anomaly.detected', anomaly });
          found.push(anomaly);
        }
      }
    }
  }
  return found;
}

type Series = { agent: string; action: string; counts: Map<number, HourCount> };

async function hourCounts(
  repos: Repos,
  from: number,
  to: number,
  agents?: string[],
): Promise<Map<string, Series>> {
  const docs = await repos.rollups.find({
    k: 'ag',
    g: 'h',
    from: new Date(from),
    to: new Date(to),
    projection: { _id: 0, t: 1, a: 1, v: 1 },
    ...(agents ? { agents } : {}),
  });
  const out = new Map<string, Series>();
  for (const d of docs) {
    const t = d.t.getTime();
    for (const [x, byStatus] of Object.entries(
      (d.v ?? {}) as Record<string, Record<string, number>>,
    )) {
      const action = fromFieldKey(x);
      const key = `${d.a}\u0000${action}`;
      const s = out.get(key) ?? out.set(key, { agent: d.a, action, counts: new Map() }).get(key)!;
      const c = s.counts.get(t) ?? { hour: t, total: 0, blocked: 0 };
      for (const [status, n] of Object.entries(byStatus)) {
        c.total += n;
        if (BLOCKED.has(status)) c.blocked += n;
      }
      s.counts.set(t, c);
    }
  }
  return out;
}

/** Runs the scan every `intervalMs` until stopped; a failed scan is logged and tried next time. */
export function watchAnomalies(
  repos: Repos,
  bus: EventBus,
  logger: Logger,
  intervalMs: number,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    scanAnomalies(repos, bus)
      .catch((error: unknown) => logger.warn({ err: error }, 'anomaly scan failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
