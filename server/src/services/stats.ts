import { auditStatus, PRESET_MS, riskLevelFor, type AuditStatus, type ScanFinding, type StatusCounts } from '@aegis/shared';
import type { ServiceDeps } from './deps';
import type { Services, TimelineWindow } from './types';

const HOUR = 3600_000;

/** Verdict columns of the timeline chart; other statuses (decisions by people, errors) are not verdicts. */
const COLUMN: Partial<Record<AuditStatus, 'allowed' | 'blocked' | 'review' | 'killed'>> = {
  ALLOWED: 'allowed',
  BLOCKED: 'blocked',
  PENDING: 'review',
  KILLED: 'killed',
};

export function createStatsService(deps: ServiceDeps): Services['stats'] {
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
      const { firstStart, size, count, end } = bucketsFor(window);
      const buckets = Array.from({ length: count }, (_, i) => ({
        start: new Date(firstStart + i * size).toISOString(),
        allowed: 0,
        blocked: 0,
        review: 0,
        killed: 0,
      }));
      const blockedByAction = new Map<string, number>();
      const byDetector = new Map<string, { count: number; calls: number }>();
      for (const row of await repos.audit.recent(new Date(firstStart), end ? new Date(end) : undefined)) {
        countFindings(byDetector, [...(row.findings ?? []), ...(row.resultFindings ?? [])]);
        const column = COLUMN[row.status];
        const bucket = buckets[Math.floor((new Date(row.timestamp).getTime() - firstStart) / size)];
        if (!column || !bucket) continue;
        bucket[column]++;
        if (row.status === 'BLOCKED')
          blockedByAction.set(row.action, (blockedByAction.get(row.action) ?? 0) + 1);
      }
      const topBlocked = [...blockedByAction]
        .map(([action, count]) => ({ action, count }))
        .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action))
        .slice(0, 5);
      const findings = [...byDetector]
        .map(([detector, n]) => ({ detector, ...n }))
        .sort((a, b) => b.calls - a.calls || a.detector.localeCompare(b.detector));
      return { buckets, topBlocked, findings, bucketMs: size };
    },
  };
}

const MINUTE = 60_000;
/** Bucket sizes a chart may use; the smallest that keeps a range within MAX_BUCKETS wins. */
const SIZES = [1, 5, 15, 30, 60, 180, 360, 720, 1440].map((m) => m * MINUTE);
const MAX_BUCKETS = 60;

/**
 * The buckets of a chart: the last `hours` whole hours (the overview's default), or a window
 * `from`–`to` (or a preset `range` ending now) cut into buckets that fit it (a 15-minute range in minutes, 30 days in days).
 */
function bucketsFor(window: TimelineWindow): { firstStart: number; size: number; count: number; end: number | null } {
  if (window.range && !window.from) return bucketsFor({ from: new Date(Date.now() - PRESET_MS[window.range]).toISOString() });
  if (!window.from) {
    const hours = window.hours ?? 24;
    return { firstStart: Math.floor(Date.now() / HOUR) * HOUR - (hours - 1) * HOUR, size: HOUR, count: hours, end: null };
  }
  const from = Date.parse(window.from);
  const to = window.to ? Date.parse(window.to) : Date.now();
  const span = Math.max(MINUTE, to - from);
  const size = SIZES.find((s) => span / s <= MAX_BUCKETS) ?? 1440 * MINUTE;
  const firstStart = Math.floor(from / size) * size;
  return { firstStart, size, count: Math.ceil((to - firstStart) / size) || 1, end: to };
}

/** Adds one entry's findings: matches per detector, and one call per detector it appeared in. */
function countFindings(into: Map<string, { count: number; calls: number }>, findings: readonly ScanFinding[]): void {
  if (findings.length === 0) return;
  const seen = new Set<string>();
  for (const f of findings) {
    const n = into.get(f.detector) ?? { count: 0, calls: 0 };
    n.count += f.count;
    if (!seen.has(f.detector)) n.calls++;
    seen.add(f.detector);
    into.set(f.detector, n);
  }
}
