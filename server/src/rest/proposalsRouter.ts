import { z } from 'zod';
import { policyProposal, proposalStatus, type PolicyProposal } from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, viewerProcedure } from '../trpc/procedures';
import { errorResponses } from './errorDocs';
import { agentPathParam, idParam } from './inputs';
import { seedTime, toSeedTime } from './shapes';

const tags = ['dashboard'];

/** A proposal in the REST style: snake_case, seed times. */
const restProposal = policyProposal.omit({ proposedBy: true, baseVersion: true, createdAt: true, decidedAt: true, decidedBy: true }).extend({
  proposed_by: z.string(),
  base_version: z.number().int(),
  created_at: seedTime,
  decided_at: seedTime.nullable(),
  decided_by: z.string().nullable(),
});

function toRest(p: PolicyProposal): z.infer<typeof restProposal> {
  return {
    id: p.id,
    agent: p.agent,
    changes: p.changes,
    status: p.status,
    proposed_by: p.proposedBy,
    base_version: p.baseVersion,
    created_at: toSeedTime(p.createdAt),
    decided_at: p.decidedAt === null ? null : toSeedTime(p.decidedAt),
    decided_by: p.decidedBy,
  };
}

/** Proposed policy changes (not in the seed): the same procedures as tRPC's `policies.*Proposal`. */
export const proposalsRestRouter = router({
  list: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/policy-proposals', tags, summary: "Changes agents' code asked for that would loosen their policy, newest first" } })
    .input(z.object({ status: proposalStatus.optional(), agent: agentPathParam.optional(), limit: z.number().int().min(1).max(200).default(50) }))
    .output(z.array(restProposal))
    .query(async ({ ctx, input }) => (await ctx.services.policies.proposals(input)).map(toRest)),

  accept: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/policy-proposals/{id}/accept', tags, summary: 'Apply a proposed change (admins); once', errorResponses: errorResponses(400, 403, 404) } })
    .input(z.object({ id: idParam('Proposal id') }))
    .output(restProposal)
    .mutation(async ({ ctx, input }) => toRest(await ctx.services.policies.acceptProposal(input.id, ctx.principal))),

  reject: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/policy-proposals/{id}/reject', tags, summary: 'Reject a proposed change (admins); once', errorResponses: errorResponses(400, 403, 404) } })
    .input(z.object({ id: idParam('Proposal id') }))
    .output(restProposal)
    .mutation(async ({ ctx, input }) => toRest(await ctx.services.policies.rejectProposal(input.id, ctx.principal))),
});
