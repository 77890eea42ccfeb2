import type {
  AnalyticsRange,
  Anomaly,
  ApprovalsAnalytics,
  DecisionsAnalytics,
  DlpAnalytics,
  RulesAnalytics,
} from '@aegis/shared';
import type { ServiceDeps } from '../deps';
import { approvals, decisions, dlp, rules } from './queries';
import { rebuildRollups } from './rebuild';
import { scanAnomalies } from './anomalyWatch';
import { windowFor } from './window';

export interface AnalyticsService {
  decisions(range: AnalyticsRange): Promise<DecisionsAnalytics>;
  approvals(range: AnalyticsRange): Promise<ApprovalsAnalytics>;
  rules(range: AnalyticsRange): Promise<RulesAnalytics>;
  dlp(range: AnalyticsRange): Promise<DlpAnalytics>;
  anomalies(range: AnalyticsRange, limit: number): Promise<Anomaly[]>;
  anomaly(id: string): Promise<Anomaly | null>;
  /** Recomputes the rollups from the audit log (admin action). */
  rebuild(): Promise<{ entries: number; through: number }>;
  /** Judges the current and previous hour now (what the periodic watch does). */
  scan(now?: number): Promise<Anomaly[]>;
}

/** Analytics answered from the rollups, never from the audit log itself. */
export function createAnalyticsService(deps: ServiceDeps): AnalyticsService {
  const { repos } = deps;
  return {
    decisions: (range) => decisions(repos, windowFor(range)),
    approvals: (range) => approvals(repos, windowFor(range)),
    rules: (range) => rules(repos, windowFor(range)),
    dlp: (range) => dlp(repos, windowFor(range)),
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
    rebuild: () => deps.locks.run('rollups.rebuild', () => rebuildRollups(repos, deps.logger)),
    scan: (now) => scanAnomalies(repos, deps.bus, now),
  };
}
