import type {
  Principal,
  AnalyticsRange,
  Anomaly,
  ApprovalsAnalytics,
  DecisionsAnalytics,
  DlpAnalytics,
  RulesAnalytics,
} from '@aegis/shared';
import { ACTION, noteAction } from '../actions';
import type { ServiceDeps } from '../deps';
import { approvals, decisions, dlp, rules } from './queries';
import { rebuildRollups, ROLLUP_LEASE_KEY } from './rebuild';
import { scanAnomalies } from './anomalyWatch';
import { windowFor } from './window';

export interface AnalyticsService {
  decisions(range: AnalyticsRange): Promise<DecisionsAnalytics>;
  approvals(range: AnalyticsRange): Promise<ApprovalsAnalytics>;
  rules(range: AnalyticsRange): Promise<RulesAnalytics>;
  dlp(range: AnalyticsRange): Promise<DlpAnalytics>;
  anomalies(range: AnalyticsRange, limit: number): Promise<Anomaly[]>;
  anomaly(id: string): Promise<Anomaly | null>;
  /** Recomputes the rollups from the audit log (an admin's action, recorded in the log). */
  rebuild(actor: Principal): Promise<{ entries: number; through: number }>;
  /** Judges the current and previous hour now (what the periodic watch does). */
  scan(now?: number): Promise<Anomaly[]>;
}

/**
 * Analytics answered from the rollups, never from the audit log itself. `settled` resolves once
 * this server's recorded entries are in the rollups (they are written a few ms late, coalesced),
 * so whoever just saw a call here finds it counted.
 */
export function createAnalyticsService(
  deps: ServiceDeps,
  settled: () => Promise<void> = () => Promise.resolve(),
  /** After a rebuild: what waited for current rollups (governance's evaluation of every agent). */
  onRebuilt: () => void = () => undefined,
): AnalyticsService {
  const { repos } = deps;
  const after = async <T>(read: () => Promise<T>): Promise<T> => {
    await settled();
    return read();
  };
  return {
    decisions: (range) => after(() => decisions(repos, windowFor(range))),
    approvals: (range) => after(() => approvals(repos, windowFor(range))),
    rules: (range) => after(() => rules(repos, windowFor(range))),
    dlp: (range) => after(() => dlp(repos, windowFor(range))),
    async anomalies(range, limit) {
      const w = windowFor(range);
      // An anomaly is filed under its hour's start: include the hour the window starts in.
      const from = new Date(w.from.getTime() - (w.from.getTime() % 3600_000));
      return repos.anomalies.list({
        from,
        to: w.to,
        limit,
        ...(range.agent ? { agent: range.agent } : {}),
      });
    },
    anomaly: (id) => repos.anomalies.get(id),
    // Pending increments first: the rebuild recounts their entries from the log.
    rebuild: async (actor) => {
      const rebuilt = await after(() =>
        deps.locks.run(ROLLUP_LEASE_KEY, () => rebuildRollups(repos, deps.logger)),
      );
      onRebuilt();
      // Every count the dashboards show was recomputed: who did it and when belongs in the trail
      // (an auditor comparing an export with the analytics pages sees why numbers moved).
      await noteAction(
        repos,
        {
          agent: '',
          status: 'RESET',
          action: ACTION.analyticsRebuild,
          details: `Analytics recomputed from the audit log by ${actor.name}: ${rebuilt.entries.toLocaleString('en-US')} entries through #${rebuilt.through}`,
          params: { ...rebuilt },
        },
        actor,
      );
      return rebuilt;
    },
    scan: (now) => after(() => scanAnomalies(repos, deps.bus, now)),
  };
}
