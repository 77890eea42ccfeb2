import type { Logger } from 'pino';
import { ANOMALY_TUNING, detectAnomalies, type Anomaly, type HourCount } from '@aegis/shared';
import type { Repos } from '../../data/repos';
import { fromFieldKey, type RollupDoc } from '../../data/repos/rollups.repo';
import { readCover } from './cover';
import type { EventBus } from '../../events/bus';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const BLOCKED = new Set(['BLOCKED', 'KILLED']);

/**
 * Judges the current and the previous hour of every agent × action that called in them against
 * its hourly rollups (detectAnomalies in @aegis/shared), stores what it flags and announces each
 * new one on the event stream. Every server may run it: an anomaly's id is its kind, agent,
 * action and hour, and only the server that stores it first announces it. Per active agent it
 * reads the hour, the same hour on each earlier day of the lookback (the seasonal baseline), and
 * the lookback's totals from days and weeks (coverTerms) — ~50 documents, not 14 × 24 hours.
 */
export async function scanAnomalies(
  repos: Repos,
  bus: EventBus,
  now = Date.now(),
): Promise<Anomaly[]> {
  const current = now - (now % HOUR);
  const found: Anomaly[] = [];
  const lookback = ANOMALY_TUNING.lookbackDays * DAY;
  for (const hour of [current - HOUR, current]) {
    const active = series(
      await agentDocs(repos, { from: new Date(hour), to: new Date(hour + HOUR) }),
    );
    if (active.size === 0) continue;
    const agents = [...new Set([...active.values()].map((s) => s.agent))];
    const sameHour = Array.from(
      { length: ANOMALY_TUNING.lookbackDays },
      (_, i) => new Date(hour - (i + 1) * DAY),
    );
    const [seen, seasonal, totals] = await Promise.all([
      repos.rollups.firstSeen(agents),
      agentDocs(repos, { at: sameHour, agents }).then(series),
      lookbackTotals(repos, hour - lookback, hour, agents, now),
    ]);
    const first = new Map(seen.map((d) => [`${d.a}\u0000${d.x}`, d.first?.getTime() ?? null]));
    for (const [key, s] of active) {
      const firstSeen = first.get(key) ?? null;
      const findings = detectAnomalies({
        current: s.counts.get(hour) ?? { hour, total: 0, blocked: 0 },
        history: [...(seasonal.get(key)?.counts.values() ?? [])],
        totals: totals.get(key) ?? { total: 0, blocked: 0 },
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
type AgentCalls = Record<string, Record<string, number>>;

/** Agents' hour documents, either of a range or of the given hours. */
function agentDocs(
  repos: Repos,
  q: { from: Date; to: Date } | { at: Date[]; agents: string[] },
): Promise<RollupDoc[]> {
  return repos.rollups.find({
    k: 'ag',
    g: 'h',
    ...('at' in q ? { at: q.at, agents: q.agents } : q),
    projection: { _id: 0, t: 1, a: 1, v: 1 },
  });
}

/** Calls and blocks in one document's counts of an action. */
function count(byStatus: Record<string, number>): { total: number; blocked: number } {
  let total = 0;
  let blocked = 0;
  for (const [status, n] of Object.entries(byStatus)) {
    total += n;
    if (BLOCKED.has(status)) blocked += n;
  }
  return { total, blocked };
}

/** Hour documents as per agent × action series of hourly counts. */
function series(docs: readonly RollupDoc[]): Map<string, Series> {
  const out = new Map<string, Series>();
  for (const d of docs) {
    const t = d.t.getTime();
    for (const [x, byStatus] of Object.entries((d.v ?? {}) as AgentCalls)) {
      const action = fromFieldKey(x);
      const key = `${d.a}\u0000${action}`;
      const s = out.get(key) ?? out.set(key, { agent: d.a, action, counts: new Map() }).get(key)!;
      const c = s.counts.get(t) ?? { hour: t, total: 0, blocked: 0 };
      const n = count(byStatus);
      c.total += n.total;
      c.blocked += n.blocked;
      s.counts.set(t, c);
    }
  }
  return out;
}

/** Per agent × action, calls and blocks in the hours [from, to), from hours, days and weeks. */
async function lookbackTotals(
  repos: Repos,
  from: number,
  to: number,
  agents: string[],
  now: number,
): Promise<Map<string, { total: number; blocked: number }>> {
  const parts = await readCover(repos.rollups, 'ag', 'h', from, to, now, {
    agents,
    projection: { _id: 0, a: 1, v: 1 },
  });
  const out = new Map<string, { total: number; blocked: number }>();
  for (const { sign, docs } of parts)
    for (const d of docs)
      for (const [x, byStatus] of Object.entries((d.v ?? {}) as AgentCalls)) {
        const key = `${d.a}\u0000${fromFieldKey(x)}`;
        const t = out.get(key) ?? out.set(key, { total: 0, blocked: 0 }).get(key)!;
        const n = count(byStatus);
        t.total += sign * n.total;
        t.blocked += sign * n.blocked;
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
