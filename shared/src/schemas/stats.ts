import { z } from 'zod';
import { isoTime } from './common';
import { statusCounts } from './agent';

export const riskLevel = z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
export type RiskLevel = z.infer<typeof riskLevel>;

export const stats = z.object({
  registeredAgents: z.number().int().nonnegative(),
  activeAgents: z.number().int().nonnegative(),
  blocks24h: z.number().int().nonnegative(),
  pendingApprovals: z.number().int().nonnegative(),
  riskLevel,
  counts: statusCounts,
});
export type Stats = z.infer<typeof stats>;

/** The seed's risk level by blocks in the last 24 hours. */
export function riskLevelFor(blocks24h: number): RiskLevel {
  if (blocks24h === 0) return 'LOW';
  if (blocks24h <= 5) return 'MEDIUM';
  if (blocks24h <= 20) return 'HIGH';
  return 'CRITICAL';
}

export const timelineBucket = z.object({
  start: isoTime,
  allowed: z.number().int().nonnegative(),
  blocked: z.number().int().nonnegative(),
  review: z.number().int().nonnegative(),
  killed: z.number().int().nonnegative(),
});
export const activityTimeline = z.object({
  buckets: z.array(timelineBucket),
  bucketMs: z.number().int().positive().optional().describe('Width of each bucket in milliseconds'),
  topBlocked: z.array(z.object({ action: z.string(), count: z.number().int() })),
  findings: z
    .array(z.object({ detector: z.string(), count: z.number().int().nonnegative(), calls: z.number().int().nonnegative() }))
    .describe('DLP findings in the window, per detector: matches, and calls they were found in (arguments or results); most first')
    .default([]),
});
export type ActivityTimeline = z.infer<typeof activityTimeline>;
