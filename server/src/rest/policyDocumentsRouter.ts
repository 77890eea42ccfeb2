import { z } from 'zod';
import {
  appliedPolicy,
  applyPolicyInput,
  applyPolicyResult,
  pageLimit,
  policyVersionInfo,
  replayPolicyInput,
  replayPolicyResult,
  rollbackPolicyInput,
  storedPolicy,
  tryPolicyInput,
  tryPolicyResult,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { adminProcedure, trialProcedure, viewerProcedure } from '../trpc/procedures';
import { errorResponses } from './errorDocs';
import { agentPathParam } from './inputs';

const tags = ['policies'];
const target = z.object({ agent: agentPathParam.optional().describe('The agent; omit for the global policy') });

/**
 * Rule policies as code over REST (not in the seed): the same services, checks and shapes as
 * tRPC's `policies.document|applyRules|rollback|history|tryCall|replay`. Writing is for admins;
 * an agent key can't apply or roll back a policy here either.
 */
export const policyDocumentsRestRouter = router({
  document: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/policy-documents', tags, summary: 'The rule document in force (?agent=NAME; omit for the global policy), its version, author and lists', errorResponses: errorResponses(400, 404) } })
    .input(target)
    .output(storedPolicy)
    .query(({ ctx, input }) => ctx.services.policies.stored(input.agent ?? null)),

  applyRules: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/policy-documents/apply', tags, summary: 'Validate AgentPolicy/GlobalPolicy YAML, show the diff, and store each changed document as a new version (admins; dryRun: validate only)', errorResponses: errorResponses(400, 403) } })
    .input(applyPolicyInput)
    .output(applyPolicyResult)
    .mutation(({ ctx, input }) => ctx.services.policies.apply(input, ctx.principal)),

  rollback: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/policy-documents/rollback', tags, summary: "Make an earlier version's rule document current again, as a new version (admins)", errorResponses: errorResponses(400, 403, 404) } })
    .input(rollbackPolicyInput)
    .output(appliedPolicy)
    .mutation(({ ctx, input }) => ctx.services.policies.rollback(input.agent ?? null, input.version, ctx.principal, input.message)),

  history: viewerProcedure
    .meta({ openapi: { method: 'GET', path: '/policy-documents/history', tags, summary: 'Versions, newest first, with author, time and message (?agent=NAME; omit for the global policy)', errorResponses: errorResponses(400, 404) } })
    .input(target.extend({ limit: pageLimit }))
    .output(z.array(policyVersionInfo))
    .query(({ ctx, input }) => ctx.services.policies.history(input.agent ?? null, input.limit)),

  tryCall: trialProcedure
    .meta({ openapi: { method: 'POST', path: '/policy-documents/try', tags, summary: 'Evaluate a call against a draft (or the stored policy); nothing is recorded', errorResponses: errorResponses(400, 404) } })
    .input(tryPolicyInput)
    .output(tryPolicyResult)
    .mutation(({ ctx, input }) => ctx.services.policies.tryCall(input)),

  replay: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/policy-documents/replay', tags, summary: 'Evaluate a candidate over stored decisions: what would change, per rule, with examples (admins)', errorResponses: errorResponses(400, 403) } })
    .input(replayPolicyInput)
    .output(replayPolicyResult)
    .mutation(({ ctx, input }) => ctx.services.policies.replay(input)),
});
