import { z } from 'zod';
import {
  actionName,
  agentName,
  agentPolicy,
  decideProposalInput,
  policyProposal,
  policyRule,
  proposalsQuery,
  ruleType,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, viewerProcedure } from '../trpc/procedures';
import { policyRuleProcedures } from './policyRules';

export const policiesRouter = router({
  ...policyRuleProcedures,

  forAgent: viewerProcedure
    .input(z.object({ agent: agentName }))
    .output(agentPolicy)
    .query(({ ctx, input }) => ctx.services.policies.forAgent(input.agent)),

  rules: viewerProcedure
    .input(z.object({ agent: agentName }))
    .output(z.array(policyRule))
    .query(({ ctx, input }) => ctx.services.policies.rules(input.agent)),

  /** A person's rule: it wins over whatever the agent's code declares. */
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

  /** Changes agents' code asked for that would loosen their policy, newest first. */
  proposals: viewerProcedure
    .input(proposalsQuery.optional())
    .output(z.array(policyProposal))
    .query(({ ctx, input }) => ctx.services.policies.proposals(proposalsQuery.parse(input ?? {}))),

  acceptProposal: adminProcedure
    .input(decideProposalInput)
    .output(policyProposal)
    .mutation(({ ctx, input }) => ctx.services.policies.acceptProposal(input.id, ctx.principal)),

  rejectProposal: adminProcedure
    .input(decideProposalInput)
    .output(policyProposal)
    .mutation(({ ctx, input }) => ctx.services.policies.rejectProposal(input.id, ctx.principal)),
});
