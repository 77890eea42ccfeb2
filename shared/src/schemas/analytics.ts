import { z } from 'zod';
import { isoTime } from './common';
import { checkWindow, timeWindowFields } from './timeWindow';

/** A time window: a preset ending now, or `from`–`to` (to defaults to now). */
export const analyticsRange = z
  .object({
    ...timeWindowFields,
    agent: z.string().min(1).max(100).optional().describe('Only this agent'),
    action: z.string().min(1).max(200).optional().describe('Only this action'),
  })
  .superRefine((w, ctx) => checkWindow(w, ctx));
export type AnalyticsRange = z.infer<typeof analyticsRange>;

export const rollupGranularity = z.enum(['minute', 'hour', 'day']);
export type RollupGranularity = z.infer<typeof rollupGranularity>;

const count = z.number().int().nonnegative();
const verdictCounts = {
  allowed: count,
  blocked: count,
  review: count.describe('Calls held for a person (PENDING)'),
  killed: count,
  other: count.describe('Other call entries: timeouts, errors, reports'),
};
const rates = {
  calls: count,
  blockRate: z.number().min(0).max(1).describe('(blocked + killed) / calls'),
  reviewRate: z.number().min(0).max(1).describe('review / calls'),
};

const window = {
  from: isoTime.describe('Start of the first bucket'),
  to: isoTime,
  granularity: rollupGranularity,
  bucketMs: z.number().int().positive(),
};

export const decisionsAnalytics = z.object({
  ...window,
  totals: z.object({ ...verdictCounts, ...rates }),
  series: z.array(z.object({ start: isoTime, ...verdictCounts })),
  byAgent: z
    .array(z.object({ agent: z.string(), ...verdictCounts, ...rates }))
    .describe('Most calls first'),
  byAction: z
    .array(z.object({ agent: z.string(), action: z.string(), ...verdictCounts, ...rates }))
    .describe('Agent × action, most calls first (at most 50)'),
});
export type DecisionsAnalytics = z.infer<typeof decisionsAnalytics>;

const latency = z.object({
  meanMs: z.number().nonnegative().nullable(),
  p50Ms: z
    .number()
    .nonnegative()
    .nullable()
    .describe('Upper edge of the histogram bin holding the median'),
  p90Ms: z.number().nonnegative().nullable(),
  maxMs: z.number().nonnegative().nullable(),
});

export const approvalsAnalytics = z.object({
  ...window,
  decided: count,
  approved: count,
  denied: count,
  latency,
  series: z.array(
    z.object({ start: isoTime, approved: count, denied: count, meanMs: z.number().nullable() }),
  ),
  reviewers: z
    .array(
      z.object({
        reviewer: z.string(),
        decided: count,
        approved: count,
        denied: count,
        meanMs: z.number().nullable(),
      }),
    )
    .describe('Reviewer workload, busiest first'),
});
export type ApprovalsAnalytics = z.infer<typeof approvalsAnalytics>;

export const rulesAnalytics = z.object({
  ...window,
  rules: z
    .array(
      z.object({
        rule: z.string(),
        scope: z.string(),
        calls: count,
        allowed: count,
        blocked: count,
        review: count,
      }),
    )
    .describe('Rules that decided calls, most first (at most 20)'),
});
export type RulesAnalytics = z.infer<typeof rulesAnalytics>;

export const dlpAnalytics = z.object({
  ...window,
  detectors: z
    .array(z.object({ detector: z.string(), calls: count, findings: count }))
    .describe('Most calls first'),
  series: z.array(z.object({ start: isoTime, calls: count })),
});
export type DlpAnalytics = z.infer<typeof dlpAnalytics>;

export const anomalyKind = z.enum(['spike', 'first_action', 'off_hours', 'block_rate']);
export type AnomalyKind = z.infer<typeof anomalyKind>;

export const anomaly = z.object({
  id: z.string().describe('Stable id: agent, action, kind and hour'),
  kind: anomalyKind,
  agent: z.string(),
  action: z.string(),
  hour: isoTime.describe('The hour the anomaly was seen in'),
  detectedAt: isoTime,
  score: z.number().min(0).max(1).describe('How far from the baseline, 0–1'),
  summary: z.string(),
  evidence: z
    .object({
      observed: z.number().describe('Calls (or block rate) seen in the hour'),
      expected: z.number().describe('What the baseline expected for this hour of day'),
      threshold: z.number().describe('Above this it is flagged'),
      historyHours: z.number().int().nonnegative().describe('Hours of history behind the baseline'),
    })
    .describe('The numbers behind the flag'),
});
export type Anomaly = z.infer<typeof anomaly>;

export const anomalyList = z.object({ anomalies: z.array(anomaly) });
