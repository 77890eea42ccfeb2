import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { actionName, agentName, agentStatus, approvalDecision, loggableStatus, ruleType, statusReason } from '@aegis/shared';
import { router } from '../trpc/init';
import { agentProcedure, assertActsAs, reviewerProcedure } from '../trpc/procedures';
import { idParam, orNull } from './inputs';
import { errorResponses } from './errorDocs';
import { okAnswer } from './shapes';

const tags = ['sdk'];
const ok = { status: 'ok' as const };

/**
 * The seed's SDK writes. Agent keys act only for their own agents; deciding approvals and the
 * kill-switch are reviewer actions (an agent can never decide its own approval).
 */
export const sdkRestRouter = router({
  init: agentProcedure
    .meta({ openapi: { method: 'POST', path: '/sdk/init', tags, summary: 'Kept for seed clients; indexes are created at start-up' } })
    .input(z.void())
    .output(okAnswer)
    .mutation(() => ok),

  registerAgent: agentProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/register-agent',
        tags,
        summary: 'Register or update an agent (upsert); its policy rules are kept',
      },
    })
    .input(
      z.object({
        name: agentName,
        owner: z.string().max(200).optional(),
        description: z.string().max(2000).optional().describe('Extra'),
        framework: z.string().max(100).optional().describe('Extra, e.g. langgraph'),
      }),
    )
    .output(okAnswer)
    .mutation(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.name);
      const existing = await orNull(ctx.services.agents.get(input.name));
      const profile = {
        owner: input.owner ?? existing?.owner ?? '',
        description: input.description ?? existing?.description ?? '',
        framework: input.framework ?? existing?.framework ?? 'unknown',
      };
      if (existing && existing.owner === profile.owner && existing.description === profile.description && existing.framework === profile.framework) {
        return ok; // the upsert would change nothing
      }
      // the seed registered rules one by one afterwards (/sdk/register-policy); keep the ones there are
      const policy = existing ? await ctx.services.policies.forAgent(input.name) : null;
      await ctx.services.agents.register(
        {
          name: input.name,
          ...profile,
          allows: policy?.allowed ?? [],
          blocks: policy?.blocked ?? [],
          review: policy?.review ?? [],
        },
        ctx.principal,
      );
      return ok;
    }),

  registerPolicy: agentProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/register-policy',
        tags,
        summary: 'Set the rule for an agent and action (upsert)',
        description:
          "An agent key may add a rule for an action its agent has no rule for yet (or repeat the same rule); changing an existing rule needs an admin key, so an agent cannot loosen its own policy.",
      },
    })
    .input(z.object({ agent_name: agentName, action: actionName, rule_type: ruleType }))
    .output(okAnswer)
    .mutation(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent_name);
      if (ctx.principal.role === 'agent') {
        const rules = (await orNull(ctx.services.policies.rules(input.agent_name))) ?? [];
        const current = rules.find((r) => r.action === input.action);
        if (current?.rule === input.rule_type) return ok;
        if (current) {
          throw new TRPCError({
            code: 'FORBIDDEN',
            message: `rule_type: "${input.action}" is already ${current.rule}; changing it needs an admin key`,
          });
        }
      }
      await ctx.services.policies.set(input.agent_name, input.action, input.rule_type, ctx.principal);
      return ok;
    }),

  log: agentProcedure
    .meta({ openapi: { method: 'POST', path: '/sdk/log', tags, summary: 'Write an audit entry' } })
    .input(
      z.object({
        agent_name: agentName,
        action: actionName,
        status: loggableStatus,
        details: z.string().max(4000).default(''),
      }),
    )
    .output(okAnswer.extend({ id: z.number().int().describe('Extra: the audit entry id') }))
    .mutation(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent_name);
      const entry = await ctx.services.audit.write({
        agent: input.agent_name,
        action: input.action,
        status: input.status,
        details: input.details,
        callId: null,
      }, ctx.principal);
      return { ...ok, id: entry.id };
    }),

  updateStatus: reviewerProcedure
    .meta({ openapi: { method: 'POST', path: '/sdk/update-status', tags, summary: 'The kill-switch (reviewers)' } })
    .input(z.object({ name: agentName, status: agentStatus, reason: statusReason.describe('Extra: why, for the audit log') }))
    .output(okAnswer)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.agents.setStatus(input.name, input.status, ctx.principal, input.reason);
      return ok;
    }),

  decideApproval: reviewerProcedure
    .meta({ openapi: { method: 'POST', path: '/sdk/decide-approval/{approval_id}', tags, summary: 'Approve or deny (reviewers; never agent keys)', errorResponses: errorResponses(400, 403, 404) } })
    .input(z.object({ approval_id: idParam('Approval id'), decision: approvalDecision }))
    .output(okAnswer)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.approvals.decide(input.approval_id, input.decision, false, ctx.principal);
      return ok;
    }),

});
