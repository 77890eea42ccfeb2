import { z } from 'zod';
import { principal } from '@aegis/shared';
import { router } from '../trpc/init';
import { authedProcedure, publicProcedure } from '../trpc/procedures';

export const healthRouter = router({
  check: publicProcedure
    .input(z.void())
    .output(z.object({ ok: z.literal(true), version: z.string() }))
    .query(() => ({ ok: true as const, version: '0.1.0' })),

  /** Who the server thinks you are. */
  whoami: authedProcedure
    .input(z.void())
    .output(principal)
    .query(({ ctx }) => ctx.principal),
});
