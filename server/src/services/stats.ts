import { auditStatus, riskLevelFor, type StatusCounts } from '@aegis/shared';
import type { ServiceDeps } from './deps';
import { bucketsFor, rollupTimeline, scanTimeline } from './timeline';
import type { Services } from './types';

/**
 * Overview numbers. With `rollups` (null: AEGIS_ROLLUPS=off) the timeline is summed from the
 * rollups, a few hundred documents, instead of reading every entry of its window; `settled`
 * resolves once this server's recorded entries are in them.
 */
export function createStatsService(
  deps: ServiceDeps,
  rollups: { settled: () => Promise<void> } | null = null,
): Services['stats'] {
  const { repos } = deps;
  return {
    async get() {
      const now = new Date();
      const [registeredAgents, activeAgents, blocks24h, pendingApprovals, byStatus] =
        await Promise.all([
          repos.agents.count(),
          repos.agents.count('ACTIVE'),
          deps.blocks.count(now.getTime()),
          repos.approvals.countPending(now),
          deps.activity.countsByStatus(),
        ]);
      const counts = Object.fromEntries(
        auditStatus.options.map((s) => [s, byStatus[s] ?? 0]),
      ) as StatusCounts;
      return {
        registeredAgents,
        activeAgents,
        blocks24h,
        pendingApprovals,
        riskLevel: riskLevelFor(blocks24h),
        counts,
      };
    },

    async timeline(window) {
      const plan = bucketsFor(window);
      if (!rollups) return scanTimeline(repos, plan);
      // This server's entries are rolled up a few ms late: count them first.
      await rollups.settled();
      // Until the rollups are (re)built for this version, only the log has the answer.
      if (!(await repos.rollups.current())) return scanTimeline(repos, plan);
      return rollupTimeline(repos, plan);
    },
  };
}
