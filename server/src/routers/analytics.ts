import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  analyticsRange,
  anomaly,
  anomalyList,
  approvalsAnalytics,
  decisionsAnalytics,
  dlpAnalytics,
  rulesAnalytics,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, viewerProcedure } from '../trpc/procedures';

/** Analytics over a time range, answered from the rollups (services/analytics). */
export const analyticsRouter = router({
  /** Calls over time by verdict, per agent and per agent × action, with block and review rates. */
  decisions: viewerProcedure
    .input(analyticsRange)
    .output(decisionsAnalytics)
    .query(({ ctx, input }) => ctx.services.analytics.decisions(input)),

  /** Time to a person's decision on an approval, and each reviewer's workload. */
  approvals: viewerProcedure
    .input(analyticsRange)
    .output(approvalsAnalytics)
    .query(({ ctx, input }) => ctx.services.analytics.approvals(input)),

  /** The rules that decided the most calls. */
  rules: viewerProcedure
    .input(analyticsRange)
    .output(rulesAnalytics)
    .query(({ ctx, input }) => ctx.services.analytics.rules(input)),

  /** DLP findings in call arguments, per detector. */
  dlp: viewerProcedure
    .input(analyticsRange)
    .output(dlpAnalytics)
    .query(({ ctx, input }) => ctx.services.analytics.dlp(input)),

  /** Anomalies flagged in the range, newest first. */
  anomalies: viewerProcedure
    .input(analyticsRange.and(z.object({ limit: z.number().int().min(1).max(500).default(100) })))
    .output(anomalyList)
    .query(async ({ ctx, input }) => ({
      anomalies: await ctx.services.analytics.anomalies(input, input.limit),
    })),

  /** One anomaly with its evidence (the link an event or a list row points to). */
  anomaly: viewerProcedure
    .input(z.object({ id: z.string().min(1).max(400) }))
    .output(anomaly)
    .query(async ({ ctx, input }) => {
      const found = await ctx.services.analytics.anomaly(input.id);
      if (!found) throw new TRPCError({ code: 'NOT_FOUND', message: `No anomaly "${input.id}"` });
      return found;
    }),

  /** Recomputes every rollup from the audit log (after a restore, or if an update was lost). */
  rebuild: adminProcedure
    .input(z.void())
    .output(
      z.object({
        entries: z.number().int().nonnegative(),
        through: z.number().int().nonnegative(),
      }),
    )
    .mutation(({ ctx }) => ctx.services.analytics.rebuild(ctx.principal)),
});
