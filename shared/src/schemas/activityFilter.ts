import { z } from 'zod';
import { actionName, agentName, isoTime } from './common';
import { auditQuery, auditSource, auditStatus, type AuditQuery } from './audit';

/**
 * The Activity filter as URL parameters — the dashboard's address bar, the export route and
 * `aegis logs` read the same names, so a link from a chart, a downloaded file and a CLI call
 * mean the same entries. Lists are comma-separated (`status=BLOCKED,DENIED`).
 */
export const RANGE_MS = {
  '1h': 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
} as const;
export const rangeKey = z.enum(['1h', '24h', '7d', '30d']);
export type RangeKey = z.infer<typeof rangeKey>;

const list = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? [
            ...new Set(
              v
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean),
            ),
          ]
        : v,
    z.array(item).max(max),
  );

export const activityParams = z.object({
  from: isoTime.optional().describe('Entries at or after this time'),
  to: isoTime.optional().describe('Entries at or before this time'),
  range: rangeKey
    .optional()
    .describe('The last hour, day, week or 30 days (ignored when `from` is given)'),
  agent: list(agentName, 100).optional().describe('Comma-separated agent names'),
  action: actionName.optional(),
  status: list(auditStatus, auditStatus.options.length)
    .optional()
    .describe('Comma-separated statuses'),
  q: auditQuery.shape.search,
  source: list(auditSource, auditSource.options.length)
    .optional()
    .describe('Comma-separated: agent, server, person'),
  rule: auditQuery.shape.rule,
  run: auditQuery.shape.run,
  detector: auditQuery.shape.detector,
  signins: auditQuery.shape.signIns,
});
export type ActivityParams = z.infer<typeof activityParams>;
export type ActivityFilter = Omit<AuditQuery, 'limit' | 'cursor'>;

/** The audit query these parameters ask for; a `range` ends now. */
export function activityFilterOf(p: ActivityParams, now = Date.now()): ActivityFilter {
  const from = p.from ?? (p.range ? new Date(now - RANGE_MS[p.range]).toISOString() : undefined);
  return {
    ...(from && { from }),
    ...(p.to && { to: p.to }),
    ...(p.agent?.length && { agents: p.agent }),
    ...(p.action && { action: p.action }),
    ...(p.status?.length && { status: p.status }),
    ...(p.q?.trim() && { search: p.q.trim() }),
    ...(p.source?.length && { source: p.source }),
    ...(p.rule && { rule: p.rule }),
    ...(p.run && { run: p.run }),
    ...(p.detector && { detector: p.detector }),
    ...(p.signins && { signIns: p.signins }),
  };
}

/**
 * Plain parameters from a query string (a repeated name joins with commas), for
 * {@link activityParams}. Unknown names are ignored; empty values are dropped.
 */
export function paramsRecord(search: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of search) {
    if (!v) continue;
    out[k] = k in out ? `${out[k]},${v}` : v;
  }
  return out;
}
