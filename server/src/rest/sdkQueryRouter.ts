import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { agentName, agentStatus, approvalStatus, listPage, ruleType, type AgentPolicy, type RuleType } from '@aegis/shared';
import { router } from '../trpc/init';
import { authedProcedure } from '../trpc/procedures';
import { assertMayRead, mayRead } from './access';
import { actionPathParam, agentPathParam, idParam, orNull } from './inputs';
import { seedApproval, seedEntry, seedRule, seedTime, toSeedApproval, toSeedEntry, toSeedTime } from './shapes';

const tags = ['sdk'];

/** The rule an agent's policy has for an action, or null. */
export function ruleIn(policy: AgentPolicy, action: string): RuleType | null {
  if (policy.allowed.includes(action)) return 'ALLOW';
  if (policy.blocked.includes(action)) return 'BLOCK';
  if (policy.review.includes(action)) return 'REVIEW';
  return null;
}

/**
 * The seed's SDK reads. Unknown agents and approvals answer `null` as the seed did, not 404.
 * Open to the agent's own key and to people (see {@link assertMayRead}).
 */
export const sdkQueryRestRouter = router({
  agentStatus: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/sdk/agent-status/{name}', tags, summary: "An agent's status, null if unknown" } })
    .input(z.object({ name: agentPathParam }))
    .output(z.object({ status: agentStatus.nullable() }))
    .query(async ({ ctx, input }) => {
      assertMayRead(ctx.principal, input.name);
      return { status: await ctx.services.agents.status(input.name) };
    }),

  policyRule: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/sdk/policy/{agent_name}/{action}', tags, summary: 'The rule for one action, null if none' } })
    .input(z.object({ agent_name: agentPathParam, action: actionPathParam }))
    .output(z.object({ rule_type: ruleType.nullable() }))
    .query(async ({ ctx, input }) => {
      assertMayRead(ctx.principal, input.agent_name);
      const policy = await orNull(ctx.services.policies.forAgent(input.agent_name));
      return { rule_type: policy ? ruleIn(policy, input.action) : null };
    }),

  policies: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/sdk/policies/{agent_name}', tags, summary: "All of an agent's rules" } })
    .input(z.object({ agent_name: agentPathParam }))
    .output(z.object({ policies: z.array(seedRule.extend({ updated_at: seedTime.describe('Extra') })) }))
    .query(async ({ ctx, input }) => {
      assertMayRead(ctx.principal, input.agent_name);
      const rules = (await orNull(ctx.services.policies.rules(input.agent_name))) ?? [];
      return { policies: rules.map((r) => ({ action: r.action, rule_type: r.rule, updated_at: toSeedTime(r.updatedAt) })) };
    }),

  approvalStatus: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/sdk/approval-status/{approval_id}',
        tags,
        summary: "An approval's status, null if unknown; the agent's first APPROVED read uses it",
        description: [
          'Seed clients poll this and run the tool on APPROVED without telling the server, so an approval is used up here: the first read by the agent\'s own key that finds it approved marks it consumed and writes the ALLOWED audit entry for the call (`call_id`, `audit_id`). Exactly one reader gets APPROVED, however many poll at once; later reads by that key, and `POST /sdk/decide` or `POST /sdk/approval` with the same arguments, find it used (DENIED, or a new review).',
          'The agent\'s key also reads DENIED, with `reason`, when the approval expired before it was used, the kill-switch is on or the policy changed since the request (the approval is then left unused). People\'s reads (viewer, reviewer, admin) never use it and see the stored status with `consumed_at`.',
          'An EXPIRED approval answers DENIED (seed clients know only PENDING/APPROVED/DENIED); `approval_status` has the exact value.',
        ].join('\n\n'),
      },
    })
    .input(z.object({ approval_id: idParam('Approval id') }))
    .output(
      z.object({
        status: z.enum(['PENDING', 'APPROVED', 'DENIED']).nullable(),
        approval_status: approvalStatus.nullable().describe('Extra: the exact status'),
        consumed_at: seedTime.nullable().describe('Extra: when the approved call used it'),
        call_id: z.string().nullable().describe('Extra: on the read that used the approval, the call to report with POST /sdk/complete'),
        audit_id: z.number().int().nullable().describe('Extra: on the read that used the approval, its ALLOWED audit entry'),
        reason: z.string().nullable().describe('Extra: why an approved approval answers DENIED to the agent'),
      }),
    )
    .query(async ({ ctx, input }) => {
      const found = await orNull(ctx.services.approvals.get(input.approval_id));
      // Another agent's approval reads as unknown: a refusal would name that agent.
      if (!found || !mayRead(ctx.principal, found.agent))
        return { status: null, approval_status: null, consumed_at: null, call_id: null, audit_id: null, reason: null };
      const poll = await ctx.services.approvals.poll(input.approval_id, ctx.principal);
      return {
        status: poll.status,
        approval_status: poll.approval.status,
        consumed_at: poll.approval.consumedAt === null ? null : toSeedTime(poll.approval.consumedAt),
        call_id: poll.allowed?.callId ?? null,
        audit_id: poll.allowed?.id ?? null,
        reason: poll.reason,
      };
    }),

  findApproval: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/sdk/find-approval/{agent_name}/{action}',
        tags,
        summary: 'The newest approval for an agent and action, any status (the seed\'s answer); the SDK\'s read uses it',
        description: [
          'As in the seed, the most recent approval for this agent and action in any status. For a key that runs the agent\'s calls (its agent key, or an admin key) this read is a poll of that approval, like GET /sdk/approval-status: the read that finds it APPROVED uses it (one approval, one execution; the ALLOWED entry is written, `call_id`/`audit_id` in the poll), and a DENIED one (denied, expired, or voided by the kill-switch or a policy change) is reported once. After that the approval reads as none (`approval: null`), so the next call asks for a new one.',
          'The seed protocol names no arguments here: the approval a non-blocking client finds was requested for some call of this action, not necessarily the one it is about to run. Use POST /sdk/decide (or the TypeScript SDK) where the arguments must be bound.',
          'Viewers and reviewers only look: they get the stored status.',
        ].join('\n\n'),
      },
    })
    .input(z.object({ agent_name: agentPathParam, action: actionPathParam }))
    .output(z.object({ approval: seedApproval.nullable() }))
    .query(async ({ ctx, input }) => {
      assertMayRead(ctx.principal, input.agent_name);
      const read = await ctx.services.approvals.find(input.agent_name, input.action, ctx.principal);
      return { approval: read ? { ...toSeedApproval(read.approval), status: read.status } : null };
    }),

  pendingApprovals: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/sdk/pending-approvals', tags, summary: 'Pending approvals, newest first, a page at a time (arguments as previews)' } })
    .input(listPage)
    .output(z.object({ approvals: z.array(seedApproval) }))
    .query(async ({ ctx, input }) => {
      const pending = await ctx.services.approvals.pending(input);
      const visible = pending.filter((a) => mayRead(ctx.principal, a.agent)).sort((a, b) => b.id - a.id);
      return { approvals: visible.map(toSeedApproval) };
    }),

  auditLog: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/sdk/audit-log', tags, summary: 'Audit entries, newest first' } })
    .input(
      z.object({
        agent_name: agentName.optional().describe('Only this agent (agent keys: required unless the key has one agent)'),
        limit: z.number().int().min(1).max(200).default(10),
      }),
    )
    .output(z.object({ entries: z.array(seedEntry) }))
    .query(async ({ ctx, input }) => {
      let agent = input.agent_name;
      const own = ctx.principal.role === 'agent' ? (ctx.principal.agents ?? []) : null;
      if (own && agent === undefined) {
        if (own.length !== 1 || own[0] === undefined) {
          throw new TRPCError({ code: 'BAD_REQUEST', message: 'agent_name: required for a key that acts for several agents' });
        }
        agent = own[0];
      }
      if (agent !== undefined) assertMayRead(ctx.principal, agent);
      const page = await ctx.services.audit.list({ agent, limit: input.limit });
      return { entries: page.entries.map(toSeedEntry) };
    }),
});
