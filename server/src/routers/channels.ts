import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  channelInfo,
  channelName,
  createChannelInput,
  createChannelResult,
  deliveriesInput,
  deliveryInfo,
} from '@aegis/shared';
import type { Context } from '../trpc/context';
import { router } from '../trpc/init';
import { adminProcedure } from '../trpc/procedures';

function channelsOf(ctx: Context) {
  if (!ctx.services.channels)
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: 'Notifications are not running on this server',
    });
  return ctx.services.channels;
}

/** Notification channels (webhook, Slack, e-mail) and their delivery log: admins only. */
export const channelsRouter = router({
  list: adminProcedure
    .input(z.void())
    .output(z.array(channelInfo))
    .query(({ ctx }) => channelsOf(ctx).list()),

  /** Creates a channel; a webhook's signing secret is in the answer, once. */
  create: adminProcedure
    .input(createChannelInput)
    .output(createChannelResult)
    .mutation(({ ctx, input }) => channelsOf(ctx).create(input, ctx.principal)),

  remove: adminProcedure
    .input(z.object({ name: channelName }))
    .output(z.object({ removed: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await channelsOf(ctx).remove(input.name, ctx.principal);
      return { removed: true as const };
    }),

  /** Sends a test message through the channel (see the delivery log for how it went). */
  test: adminProcedure
    .input(z.object({ name: channelName }))
    .output(z.object({ queued: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await channelsOf(ctx).test(input.name);
      return { queued: true as const };
    }),

  /** Newest deliveries first: status, attempts, last error. */
  deliveries: adminProcedure
    .input(deliveriesInput)
    .output(z.array(deliveryInfo))
    .query(({ ctx, input }) => channelsOf(ctx).deliveries(input)),
});
