import { z } from 'zod';
import { router } from '../trpc/init';
import { adminProcedure, publicProcedure } from '../trpc/procedures';

/** Health (open, for load balancers and scripts) and the demo seeder (admins). */
export const miscRestRouter = router({
  health: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/health', tags: ['health'], summary: 'Liveness; needs no key', protect: false } })
    .input(z.void())
    .output(z.object({ status: z.literal('ok'), version: z.string() }))
    .query(() => ({ status: 'ok' as const, version: '0.1.0' })),

  demoSeed: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/demo/seed',
        tags: ['demo'],
        summary: 'Reset governance and bank data and seed the demo bank (admins)',
      },
    })
    .input(z.void())
    .output(z.object({ customers: z.number().int(), accounts: z.number().int(), transactions: z.number().int() }))
    .mutation(({ ctx }) => ctx.services.demo.seed(ctx.principal)),
});
