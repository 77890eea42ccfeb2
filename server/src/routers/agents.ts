import { z } from 'zod';
import {
  agent,
  agentName,
  agentPolicy,
  agentPolicyView,
  agentSummary,
  setAgentStatusInput,
  ruleType,
  toolUsage,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { authedProcedure, viewerProcedure } from '../trpc/procedures';

const byNameOutput = z.object({
  agent: agentSummary,
  /** The seed's list shape (an action a condition may decide reads as REVIEW). */
  policy: agentPolicy,
  /** What the dashboard shows: effects when no condition matches, conditions beside them. */
  policyView: agentPolicyView,
  /** Each tool with how the policy reads it now (no condition matching), and the conditions that may change that. */
  toolsUsed: z.array(
    toolUsage.extend({
      effect: ruleType,
      conditional: z.array(z.string()).describe('Ids of conditional rules that may decide it otherwise'),
    }),
  ),
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
      const { view, used } = await ctx.services.policies.viewForAgent(
        input.name,
        toolsUsed.map((t) => t.action),
      );
      return {
        agent: summary,
        policy,
        policyView: view,
        toolsUsed: toolsUsed.map((t) => ({
          ...t,
          ...(used.get(t.action) ?? { effect: 'REVIEW' as const, conditional: [] }),
        })),
      };
    }),

  /** The kill-switch, with an optional reason for the record (an agent key: pause its own agent only). */
  setStatus: authedProcedure
    .input(setAgentStatusInput)
    .output(agent)
    .mutation(({ ctx, input }) =>
      ctx.services.agents.setStatus(input.name, input.status, ctx.principal, input.reason),
    ),
});
