import { z } from 'zod';
import { activityTimeline, checkWindow, stats, timeWindowFields } from '@aegis/shared';
import { router } from '../trpc/init';
import { viewerProcedure } from '../trpc/procedures';

export const statsRouter = router({
  get: viewerProcedure
    .input(z.void())
    .output(stats)
    .query(({ ctx }) => ctx.services.stats.get()),

  /** Decisions over time by verdict, and the most-blocked actions, for the overview chart. */
  timeline: viewerProcedure
    .input(
      z
        .object({
          hours: z
            .number()
            .int()
            .min(1)
            .max(24 * 30)
            .default(24)
            .describe('The last whole hours, when neither `range` nor `from` is given'),
          ...timeWindowFields,
        })
        .superRefine((w, ctx) => checkWindow(w, ctx)),
    )
    .output(activityTimeline)
    .query(({ ctx, input }) => ctx.services.stats.timeline(input)),
});
