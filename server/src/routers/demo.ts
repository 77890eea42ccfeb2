import { z } from 'zod';
import { router } from '../trpc/init';
import { adminProcedure } from '../trpc/procedures';

export const demoRouter = router({
  /** Resets governance and bank data and seeds the demo bank. */
  seed: adminProcedure
    .input(z.void())
    .output(
      z.object({
        customers: z.number().int(),
        accounts: z.number().int(),
        transactions: z.number().int(),
      }),
    )
    .mutation(({ ctx }) => ctx.services.demo.seed(ctx.principal)),
});
