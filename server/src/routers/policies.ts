import { z } from 'zod';
import { actionName, agentName, agentPolicy, policyRule, ruleType } from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, viewerProcedure } from '../trpc/procedures';

export const policiesRouter = router({
  forAgent: viewerProcedure
    .input(z.object({ agent: agentName }))
    .output(agentPolicy)
    .query(({ ctx, input }) => ctx.services.policies.forAgent(input.agent)),

  rules: viewerProcedure
    .input(z.object({ agent: agentName }))
    .output(z.array(policyRule))
    .query(({ ctx, input }) => ctx.services.policies.rules(input.agent)),

  set: adminProcedure
    .input(z.object({ agent: agentName, action: actionName, rule: ruleType }))
    .output(agentPolicy)
    .mutation(({ ctx, input }) =>
      ctx.services.policies.set(input.agent, input.action, input.rule, ctx.principal),
    ),

  remove: adminProcedure
    .input(z.object({ agent: agentName, action: actionName }))
    .output(agentPolicy)
    .mutation(({ ctx, input }) =>
      ctx.services.policies.remove(input.agent, input.action, ctx.principal),
    ),
});
