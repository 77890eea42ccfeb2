import { z } from 'zod';
import { agentStatus, approvalDecision, approvalStatus, listPage, statusReason } from '@aegis/shared';
import { router } from '../trpc/init';
import { reviewerProcedure, viewerProcedure } from '../trpc/procedures';
import { agentPathParam, idParam } from './inputs';
import { errorResponses } from './errorDocs';
import {
  seedAgent,
  seedApproval,
  seedEntry,
  seedPolicyLists,
  seedStats,
  toSeedAgent,
  toSeedApproval,
  toSeedEntry,
} from './shapes';

const tags = ['dashboard'];
/** The seed's dashboard showed the last 50 entries. */
const RECENT = 50;

/** The seed's dashboard paths: reads for viewers, the kill-switch and decisions for reviewers. */
export const dashboardRestRouter = router({
  stats: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/stats', tags, summary: 'Platform stats and risk level' } })
    .input(z.void())
    .output(seedStats)
    .query(async ({ ctx }) => {
      const s = await ctx.services.stats.get();
      return {
        registered_agents: s.registeredAgents,
        active_agents: s.activeAgents,
        total_blocks_24h: s.blocks24h,
        pending_approvals: s.pendingApprovals,
        risk_level: s.riskLevel,
        counts: s.counts,
      };
    }),

  agents: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/agents', tags, summary: 'All agents with risk scores and counts' } })
    .input(z.void())
    .output(z.array(seedAgent))
    .query(async ({ ctx }) => (await ctx.services.agents.list()).map(toSeedAgent)),

  agentLogs: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/agents/{name}/logs', tags, summary: "An agent's last 50 audit entries, newest first" } })
    .input(z.object({ name: agentPathParam }))
    .output(z.array(seedEntry))
    .query(async ({ ctx, input }) => {
      await ctx.services.agents.get(input.name); // 404 for an unknown agent, as the seed did
      const page = await ctx.services.audit.list({ agent: input.name, limit: RECENT });
      return page.entries.map(toSeedEntry);
    }),

  agentPolicies: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/agents/{name}/policies', tags, summary: "An agent's allowed, blocked and review lists" } })
    .input(z.object({ name: agentPathParam }))
    .output(seedPolicyLists)
    .query(async ({ ctx, input }) => {
      const p = await ctx.services.policies.forAgent(input.name);
      return { allowed: [...p.allowed].sort(), blocked: [...p.blocked].sort(), requires_review: [...p.review].sort() };
    }),

  toggleAgent: reviewerProcedure
    .meta({ openapi: { method: 'POST', path: '/agents/{name}/toggle', tags, summary: 'The kill-switch: set ACTIVE or PAUSED', errorResponses: errorResponses(400, 403, 404) } })
    .input(z.object({ name: agentPathParam, status: agentStatus, reason: statusReason.describe('Extra: why, for the audit log') }))
    .output(z.object({ status: z.literal('updated'), new_status: agentStatus }))
    .mutation(async ({ ctx, input }) => {
      const updated = await ctx.services.agents.setStatus(input.name, input.status, ctx.principal, input.reason);
      return { status: 'updated' as const, new_status: updated.status };
    }),

  logs: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/logs', tags, summary: 'The last 50 audit entries across all agents' } })
    .input(z.void())
    .output(z.array(seedEntry))
    .query(async ({ ctx }) => (await ctx.services.audit.list({ limit: RECENT })).entries.map(toSeedEntry)),

  pendingApprovals: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/approvals/pending', tags, summary: 'Approvals waiting for a person, newest first, a page at a time (arguments as previews)' } })
    .input(listPage)
    .output(z.array(seedApproval))
    .query(async ({ ctx, input }) => (await ctx.services.approvals.pending(input)).map(toSeedApproval)),

  decideApproval: reviewerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/approvals/{id}/decide',
        tags,
        summary: 'Approve or deny a pending approval (once)',
        description: '404 for an unknown approval; 400 when it was already decided or the decision is not APPROVED/DENIED.',
        errorResponses: errorResponses(400, 403, 404),
      },
    })
    .input(
      z.object({
        id: idParam('Approval id'),
        decision: approvalDecision,
        remember: z.boolean().default(false).describe('Extra: also make it a standing ALLOW (approved) or BLOCK (denied) rule'),
      }),
    )
    .output(
      z.object({
        status: z.literal('success'),
        decision: approvalDecision,
        approval_status: approvalStatus.describe(
          'Extra: the approval now. PENDING after an approval that counts toward a quorum still short of it',
        ),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const after = await ctx.services.approvals.decide(input.id, input.decision, input.remember, ctx.principal);
      return { status: 'success' as const, decision: input.decision, approval_status: after.status };
    }),
});
