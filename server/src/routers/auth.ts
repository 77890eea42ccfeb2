import { z } from 'zod';
import { agentName, principal, role } from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, authedProcedure, publicProcedure } from '../trpc/procedures';
import { ACTION } from '../services/actions';

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
    .mutation(async ({ ctx, input }) => {
      const who = await ctx.auth.login(input, ctx.req, ctx.res);
      const how = input.token ? 'a one-time login link' : 'an API key';
      await ctx.services.audit.note(
        {
          agent: '',
          status: 'ACCESS',
          action: ACTION.login,
          details: `${who.name} (${who.role}) signed in to the dashboard with ${how}`,
        },
        who,
      );
      return who;
    }),

  /**
   * Ends this dashboard session. With `everywhere`, every dashboard session opened with the same
   * key ends too, on every server (a session left signed in elsewhere, a copied cookie), without
   * revoking the key; callable with the key itself as well.
   */
  logout: authedProcedure
    .input(
      z
        .object({
          everywhere: z
            .boolean()
            .default(false)
            .describe('Also end every other dashboard session opened with this key'),
        })
        // An unknown field is a mistake worth naming, not something to sign out over.
        .strict()
        .optional(),
    )
    .output(
      z.object({
        ok: z.literal(true),
        ended: z.number().int().describe('Dashboard sessions ended'),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const everywhere = input?.everywhere === true;
      const ended = await ctx.auth.logout(
        ctx.req,
        ctx.res,
        everywhere ? ctx.principal.keyId : undefined,
      );
      await ctx.services.audit.note(
        {
          agent: '',
          status: 'ACCESS',
          action: ACTION.logout,
          details: everywhere
            ? `${ctx.principal.name} signed out everywhere (${ended} dashboard session${ended === 1 ? '' : 's'} ended)`
            : `${ctx.principal.name} signed out`,
        },
        ctx.principal,
      );
      return { ok: true as const, ended };
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
    .mutation(async ({ ctx, input }) => {
      const created = await ctx.auth.createKey(input, ctx.principal);
      const scope = created.info.agents ? ` for ${created.info.agents.join(', ')}` : '';
      await ctx.services.audit.note(
        {
          agent: '',
          status: 'ACCESS',
          action: ACTION.keyCreate,
          details: `${ctx.principal.name} created ${created.info.role} key "${created.info.name}" (${created.info.id})${scope}`,
          params: {
            keyId: created.info.id,
            name: created.info.name,
            role: created.info.role,
            agents: created.info.agents,
          },
        },
        ctx.principal,
      );
      return created;
    }),

  list: adminProcedure
    .input(z.void())
    .output(z.array(keyInfo))
    .query(({ ctx }) => ctx.auth.listKeys()),

  revoke: adminProcedure
    .input(z.object({ id: z.string().min(1).max(64) }))
    .output(keyInfo)
    .mutation(async ({ ctx, input }) => {
      const before = (await ctx.auth.listKeys()).find((k) => k.id === input.id);
      const info = await ctx.auth.revokeKey(input.id, ctx.principal);
      if (!before?.revokedAt) {
        await ctx.services.audit.note(
          {
            agent: '',
            status: 'ACCESS',
            action: ACTION.keyRevoke,
            details: `${ctx.principal.name} revoked ${info.role} key "${info.name}" (${info.id})`,
            params: { keyId: info.id, name: info.name, role: info.role },
          },
          ctx.principal,
        );
      }
      return info;
    }),
});
