import { z } from 'zod';
import {
  acceptPinInput,
  pinCheckInput,
  pinCheckResult,
  toolPin,
  toolPinQuery,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, agentProcedure, assertActsAs, viewerProcedure } from '../trpc/procedures';

/**
 * MCP tool pins, shared by every gateway: gateways (agent keys) report what their upstreams list,
 * people read the changes, and only an admin accepts one.
 */
export const toolPinsRouter = router({
  /** A gateway's tools/list of one upstream: pins new tools, names the changed ones to hold. */
  check: agentProcedure
    .input(pinCheckInput)
    .output(pinCheckResult)
    .mutation(({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent);
      return ctx.services.toolPins.check(input, ctx.principal);
    }),

  list: viewerProcedure
    .input(toolPinQuery)
    .output(z.object({ pins: z.array(toolPin) }))
    .query(async ({ ctx, input }) => ({ pins: await ctx.services.toolPins.list(input) })),

  /** Accepts the changed version (by its hash, the one the admin saw): gateways offer the tool again. */
  accept: adminProcedure
    .input(acceptPinInput)
    .output(toolPin)
    .mutation(({ ctx, input }) => ctx.services.toolPins.accept(input, ctx.principal)),
});
