import { z } from 'zod';
import { activityTimeline, isoTime, stats } from '@aegis/shared';
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
      z.object({
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(24),
        from: isoTime.optional().describe('Start of a window (the dashboard\'s time range); buckets fit it'),
        to: isoTime.optional().describe('End of the window; now when absent'),
      }).refine((w) => !w.from || !w.to || Date.parse(w.from) < Date.parse(w.to), {
        message: '"from" must be before "to"',
        path: ['from'],
      }).refine((w) => !w.from || (w.to ? Date.parse(w.to) : Date.now()) - Date.parse(w.from) <= 400 * 86_400_000, {
        message: 'a window spans at most 400 days',
        path: ['from'],
      }),
    )
    .output(activityTimeline)
    .query(({ ctx, input }) => ctx.services.stats.timeline(input)),
});
