import { z } from 'zod';
import {
  actionName,
  agentDeclarationFields,
  agentLabels,
  agentName,
  agentStatus,
  approvalDecision,
  loggableStatus,
  ruleType,
  statusReason,
} from '@aegis/shared';
import { router } from '../trpc/init';
import {
  agentProcedure,
  assertActsAs,
  authedProcedure,
  reviewerProcedure,
} from '../trpc/procedures';
import { idParam, orNull } from './inputs';
import { errorResponses } from './errorDocs';
import { okAnswer } from './shapes';
import { ruleIn } from './sdkQueryRouter';

const tags = ['sdk'];
const ok = { status: 'ok' as const };

/**
 * The seed's SDK writes. Agent keys act only for their own agents; deciding approvals and the
 * kill-switch are reviewer actions (an agent can never decide its own approval).
 */
export const sdkRestRouter = router({
  init: agentProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/init',
        tags,
        summary: 'Kept for seed clients; indexes are created at start-up',
      },
    })
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
        labels: agentLabels
          .optional()
          .describe(
            'Extra: labels that rule selectors match (team: lending); an agent key sets them (and the owner) only for its first policy: before its first call and before a person set its policy',
          ),
        // Extra: the manifest's declaration (team, model, tools with tags)
        ...agentDeclarationFields,
      }),
    )
    .output(
      okAnswer.extend({
        detail: z
          .string()
          .optional()
          .describe('Extra: why the labels, the owner, or a tag removed from a tool, were not changed'),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.name);
      const existing = await orNull(ctx.services.agents.get(input.name));
      // the seed registered rules one by one afterwards (/sdk/register-policy): only the profile changes here
      const profile = {
        owner: input.owner ?? existing?.owner ?? '',
        description: input.description ?? existing?.description ?? '',
        framework: input.framework ?? existing?.framework ?? 'unknown',
      };
      const { created } = await ctx.services.agents.upsertProfile(input.name, profile);
      // Labels and owner select and feed rules: checked like a registration (first policy only).
      const profileNotice =
        input.labels || input.owner !== undefined
          ? (
              await ctx.services.agents.declareProfile(
                input.name,
                { labels: input.labels, owner: input.owner },
                ctx.principal,
                created,
              )
            ).notice
          : null;
      const owner = (await ctx.services.agents.get(input.name)).owner;
      const tagsNotice = await ctx.services.manifests.declare(
        input.name,
        { ...input, ...profile, owner },
        ctx.principal,
      );
      const detail = [tagsNotice, profileNotice].filter(Boolean).join('. ');
      return detail ? { ...ok, detail } : ok;
    }),

  registerPolicy: agentProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/register-policy',
        tags,
        summary: 'Set the rule for an agent and action (upsert)',
        description: [
          "With an admin key this is a person's rule, which wins over whatever the agent's code declares.",
          "With an agent key it is the agent's code declaring a rule, checked as a registration is: while the agent has made no call yet (its first policy) it applies; later a rule that tightens the policy applies, one that loosens it (a new ALLOW, BLOCK → REVIEW/ALLOW, REVIEW → ALLOW) does not — it becomes a proposal an admin accepts or rejects (`applied: false`, `proposal_id`, `detail`). A person's rule for the action is never changed from code.",
        ].join('\n\n'),
      },
    })
    .input(z.object({ agent_name: agentName, action: actionName, rule_type: ruleType }))
    .output(
      okAnswer.extend({
        applied: z
          .boolean()
          .describe("Extra: false when the rule waits for an admin (or a person's rule wins)"),
        proposal_id: z.number().int().nullable().describe('Extra: the proposal the rule became'),
        detail: z.string().nullable().describe('Extra: why it did not take effect'),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent_name);
      if (ctx.principal.role !== 'agent') {
        await ctx.services.policies.set(
          input.agent_name,
          input.action,
          input.rule_type,
          ctx.principal,
        );
        return { ...ok, applied: true, proposal_id: null, detail: null };
      }
      const declared = await ctx.services.agents.declareRule(
        input.agent_name,
        input.action,
        input.rule_type,
        ctx.principal,
      );
      const rule = ruleIn(declared.policy, input.action);
      const personRule = rule !== input.rule_type && !declared.proposal;
      return {
        ...ok,
        applied: rule === input.rule_type,
        proposal_id: declared.proposal?.id ?? null,
        detail:
          declared.notice ??
          (personRule
            ? `"${input.action}" has a rule set by a person (${rule ?? 'none'}); code cannot change it`
            : null),
      };
    }),

  log: agentProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/log',
        tags,
        summary: 'Report what happened (stored as the agent\'s report, source "agent")',
        description:
          "Checked before it is stored: ALLOWED only for an action the agent's current policy allows and while the agent is not paused, and never APPROVED or DENIED (people decide approvals). A refused report answers 403 with the reason and is recorded as a VIOLATION alert against the agent. Reports are rate limited per key (AEGIS_RATE_REPORTS, 429 with Retry-After).",
        errorResponses: errorResponses(400, 403, 404, 429),
      },
    })
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
      ctx.auth.limitReports?.(ctx.principal, 1, ctx.setHeader);
      const entry = await ctx.services.audit.write(
        {
          agent: input.agent_name,
          action: input.action,
          status: input.status,
          details: input.details,
          callId: null,
        },
        ctx.principal,
      );
      return { ...ok, id: entry.id };
    }),

  updateStatus: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/update-status',
        tags,
        summary: "The kill-switch (reviewers; an agent's own key may pause it, never revive it)",
        errorResponses: errorResponses(403, 404),
      },
    })
    .input(
      z.object({
        name: agentName,
        status: agentStatus,
        reason: statusReason.describe('Extra: why, for the audit log'),
      }),
    )
    .output(okAnswer)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.agents.setStatus(input.name, input.status, ctx.principal, input.reason);
      return ok;
    }),

  decideApproval: reviewerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/decide-approval/{approval_id}',
        tags,
        summary: 'Approve or deny (reviewers; never agent keys)',
        errorResponses: errorResponses(400, 403, 404),
      },
    })
    .input(z.object({ approval_id: idParam('Approval id'), decision: approvalDecision }))
    .output(okAnswer)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.approvals.decide(input.approval_id, input.decision, false, ctx.principal);
      return ok;
    }),
});
