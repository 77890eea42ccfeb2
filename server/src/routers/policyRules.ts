import { z } from 'zod';
import {
  appliedPolicy,
  applyPolicyInput,
  applyPolicyResult,
  policyTarget,
  policyVersionInfo,
  replayPolicyInput,
  replayPolicyResult,
  rollbackPolicyInput,
  storedPolicy,
  tryPolicyInput,
  tryPolicyResult,
  pageLimit,
} from '@aegis/shared';
import { adminProcedure, trialProcedure, viewerProcedure } from '../trpc/procedures';

/**
 * Rule policies as code (merged into the `policies` router). Writing is for admins only — an
 * agent key can never apply, roll back or otherwise widen a policy; reading, trying a call and
 * replaying a candidate (nothing is stored) are for anyone who may see the dashboard.
 */
export const policyRuleProcedures = {
  /** The rule document in force (omit `agent` for the global policy), its version, author and lists. */
  document: viewerProcedure
    .input(policyTarget)
    .output(storedPolicy)
    .query(({ ctx, input }) => ctx.services.policies.stored(input.agent ?? null)),

  /** `aegis policy apply`: validates every document, then stores each changed one as a new version. */
  applyRules: adminProcedure
    .input(applyPolicyInput)
    .output(applyPolicyResult)
    .mutation(({ ctx, input }) => ctx.services.policies.apply(input, ctx.principal)),

  /** Makes an earlier version's rule document current again (as a new version). */
  rollback: adminProcedure
    .input(rollbackPolicyInput)
    .output(appliedPolicy)
    .mutation(({ ctx, input }) =>
      ctx.services.policies.rollback(input.agent ?? null, input.version, ctx.principal, input.message),
    ),

  /** Versions, newest first, with author, time and message. */
  history: viewerProcedure
    .input(policyTarget.extend({ limit: pageLimit }))
    .output(z.array(policyVersionInfo))
    .query(({ ctx, input }) => ctx.services.policies.history(input.agent ?? null, input.limit)),

  /** Evaluates a call against a draft (or the stored policy); nothing is recorded. */
  tryCall: trialProcedure
    .input(tryPolicyInput)
    .output(tryPolicyResult)
    .mutation(({ ctx, input }) => ctx.services.policies.tryCall(input)),

  /** Evaluates a candidate over stored decisions and reports what would change, per rule. */
  replay: adminProcedure
    .input(replayPolicyInput)
    .output(replayPolicyResult)
    .mutation(({ ctx, input }) => ctx.services.policies.replay(input)),
};

