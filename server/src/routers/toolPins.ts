import { z } from 'zod';
import {
  acceptPinInput,
  hasRole,
  maskValue,
  pinCheckInput,
  pinCheckResult,
  toolPin,
  toolPinQuery,
  type ToolPin,
  type ToolPinVersion,
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

  /**
   * The pins and held versions. A definition is what an upstream wrote (a token as a schema's
   * `default`, a card in `_meta`): reviewers and viewers read it masked, like arguments; admins,
   * who accept a change by its hash, read it as it is, so a change only in a secret still shows.
   */
  list: viewerProcedure
    .input(toolPinQuery)
    .output(z.object({ pins: z.array(toolPin) }))
    .query(async ({ ctx, input }) => {
      const pins = await ctx.services.toolPins.list(input);
      return { pins: hasRole(ctx.principal, 'admin') ? pins : pins.map(maskedPin) };
    }),

  /** Accepts the changed version (by its hash, the one the admin saw): gateways offer the tool again. */
  accept: adminProcedure
    .input(acceptPinInput)
    .output(toolPin)
    .mutation(({ ctx, input }) => ctx.services.toolPins.accept(input, ctx.principal)),
});

const maskedVersion = (v: ToolPinVersion | null): ToolPinVersion | null =>
  v && { ...v, definition: maskValue(v.definition) as Record<string, unknown> };

function maskedPin(pin: ToolPin): ToolPin {
  return { ...pin, pinned: maskedVersion(pin.pinned), held: maskedVersion(pin.held) };
}
