import { z } from 'zod';
import {
  agent,
  agentName,
  agentPolicy,
  agentSummary,
  setAgentStatusInput,
  toolUsage,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { authedProcedure, viewerProcedure } from '../trpc/procedures';

const byNameOutput = z.object({
  agent: agentSummary,
  policy: agentPolicy,
  toolsUsed: z.array(toolUsage),
});

export const agentsRouter = router({
  list: viewerProcedure
    .input(z.void())
    .output(z.array(agentSummary))
    .query(({ ctx }) => ctx.services.agents.list()),

  byName: viewerProcedure
    .input(z.object({ name: agentName }))
    .output(byNameOutput)
    .query(async ({ ctx, input }) => {
      const [summary, policy, toolsUsed] = await Promise.all([
        ctx.services.agents.get(input.name),
        ctx.services.policies.forAgent(input.name),
        ctx.services.agents.toolsUsed(input.name),
      ]);
      return { agent: summary, policy, toolsUsed };
    }),

  /** The kill-switch, with an optional reason for the record (an agent key: pause its own agent only). */
  setStatus: authedProcedure
    .input(setAgentStatusInput)
    .output(agent)
    .mutation(({ ctx, input }) =>
      ctx.services.agents.setStatus(input.name, input.status, ctx.principal, input.reason),
    ),
});
