import { z } from 'zod';
import { seedCounts, storeAccess } from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure } from '../trpc/procedures';

export const demoRouter = router({
  /** The seed's demo reset: wipes governance data, then resets and seeds the demo bank. */
  seed: adminProcedure
    .input(z.void())
    .output(seedCounts)
    .mutation(({ ctx }) => ctx.services.demo.seed(ctx.principal)),

  /** Wipes governance data only (agents, policies, audit, approvals); `npm run demo -- --reset`. */
  reset: adminProcedure
    .input(z.void())
    .output(z.object({ reset: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      await ctx.services.demo.reset(ctx.principal);
      return { reset: true as const };
    }),

  /**
   * How to reach the database this server uses, for the demo's bank. Admins only: the embedded
   * store's answer is a socket path only the server's OS user can connect to; a MONGO_URI
   * deployment answers with its hosts, never its credentials.
   */
  store: adminProcedure
    .input(z.void())
    .output(storeAccess)
    .query(({ ctx }) => ctx.services.demo.store()),
});
