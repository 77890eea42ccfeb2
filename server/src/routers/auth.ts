import { z } from 'zod';
import { agentName, principal, role } from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, authedProcedure, publicProcedure } from '../trpc/procedures';

const keyInfo = z.object({
  id: z.string(),
  name: z.string(),
  role,
  agents: z.array(agentName).nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const authRouter = router({
  /**
   * The login exchange: a one-time token from the link the server prints, or an API key, becomes
   * an httpOnly session cookie (plus a CSRF cookie the dashboard echoes in `x-aegis-csrf`).
   */
  login: publicProcedure
    .input(z.object({ token: z.string().max(200).optional(), key: z.string().max(200).optional() }))
    .output(principal)
    .mutation(({ ctx, input }) => ctx.auth.login(input, ctx.req, ctx.res)),

  logout: authedProcedure
    .input(z.void())
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      await ctx.auth.logout(ctx.req, ctx.res);
      return { ok: true as const };
    }),
});

export const keysRouter = router({
  create: adminProcedure
    .input(
      z.object({
        name: z.string().min(1).max(100),
        role,
        agents: z.array(agentName).min(1).max(100).nullable().default(null),
      }),
    )
    .output(
      z.object({ key: z.string().describe('Shown once; only its hash is stored'), info: keyInfo }),
    )
    .mutation(({ ctx, input }) => ctx.auth.createKey(input, ctx.principal)),

  list: adminProcedure
    .input(z.void())
    .output(z.array(keyInfo))
    .query(({ ctx }) => ctx.auth.listKeys()),

  revoke: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .output(keyInfo)
    .mutation(({ ctx, input }) => ctx.auth.revokeKey(input.id, ctx.principal)),
});
