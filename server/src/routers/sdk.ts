import { z } from 'zod';
import {
  actionName,
  agentName,
  agentPolicy,
  agentStatus,
  approval,
  registerAgentInput,
  registerAgentResult,
  auditEntry,
  loggableStatus,
  principal,
  completeInput,
  decideInput,
  decision,
  globalPolicyDocument,
  localPolicyRules,
  resultAnswer,
  resultInput,
  sequentialId,
  callId as callIdSchema,
  isDomainError,
  recordBatchInput,
  recordBatchOutput,
} from '@aegis/shared';
import { router } from '../trpc/init';
import { mustActFor, unknownApproval } from '../services/errors';
import { agentProcedure, assertActsAs, decideProcedure } from '../trpc/procedures';

/** What the SDK calls. Agent keys act only for their own agents. */
export const sdkRouter = router({
  /**
   * Registers an agent and its policy; idempotent. From an agent key, a change that loosens a
   * policy already in use is not applied: it comes back as `proposal`, for an admin to decide.
   */
  registerAgent: agentProcedure
    .input(registerAgentInput)
    .output(registerAgentResult)
    .mutation(({ ctx, input }) => {
      assertActsAs(ctx.principal, input.name);
      return ctx.services.agents.register(input, ctx.principal);
    }),

  /** The hot path: one round trip decides, records and (for REVIEW) opens an approval. */
  decide: decideProcedure
    .input(decideInput)
    .output(decision)
    .mutation(({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent);
      return ctx.services.decisions.decide(input, ctx.principal);
    }),

  /** Records how an allowed call ended. */
  complete: agentProcedure
    .input(completeInput)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.services.decisions.complete(input, ctx.principal);
      return { ok: true as const };
    }),

  /**
   * What happens to a call's result: the SDK sends what DLP found in it (never the result) and
   * its masked preview; on: result rules answer ALLOW, REDACT, BLOCK or REVIEW (with an approval
   * a reviewer releases or withholds).
   */
  result: agentProcedure
    .input(resultInput)
    .output(resultAnswer)
    .mutation(({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent);
      return ctx.services.decisions.judgeResult(input, ctx.principal);
    }),

  /**
   * Who this key is: its role and the agents it may act as. The MCP gateway asks once per client
   * key, so the key — not the client — fixes the agent.
   */
  whoami: agentProcedure
    .input(z.void())
    .output(principal.omit({ keyId: true }))
    .query(({ ctx }) => ({
      name: ctx.principal.name,
      role: ctx.principal.role,
      agents: ctx.principal.agents,
    })),

  agentStatus: agentProcedure
    .input(z.object({ name: agentName }))
    .output(z.object({ status: agentStatus.nullable() }))
    .query(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.name);
      // The seed answers null for an agent it has never seen, rather than 404.
      const found = await ctx.services.agents.get(input.name).catch((error: unknown) => {
        if (isDomainError(error, 'UNKNOWN_AGENT')) return null;
        throw error;
      });
      return { status: found?.status ?? null };
    }),

  /** Current policy and status of the caller's agents: the local-mode snapshot. */
  snapshot: agentProcedure
    .input(z.object({ agents: z.array(agentName).min(1).max(100) }))
    .output(
      z.object({
        agents: z.array(
          z.object({
            status: agentStatus,
            policy: agentPolicy,
            resultPolicy: globalPolicyDocument
              .nullable()
              .optional()
              .describe('The on: result rules and custom detectors for this agent, evaluated in-process (DLP)'),
            rules: localPolicyRules
              .optional()
              .describe('The rule documents and lists local mode evaluates with the same engine as the server'),
          }),
        ),
      }),
    )
    .query(async ({ ctx, input }) => {
      for (const name of input.agents) assertActsAs(ctx.principal, name);
      const agents = await Promise.all(
        input.agents.map(async (name) => {
          const [summary, policy, resultPolicy, rules] = await Promise.all([
            ctx.services.agents.get(name),
            ctx.services.policies.forAgent(name),
            ctx.services.decisions.resultPolicy(name),
            ctx.services.policies.localRules(name),
          ]);
          return { status: summary.status, policy, resultPolicy, rules };
        }),
      );
      return { agents };
    }),

  /**
   * The agent's report of a call (the seed's /sdk/log), stored with source "agent". Refused —
   * 403, and recorded as a VIOLATION alert — when it claims more than the policy allowed
   * (services/reports.ts). Rate limited per key with the other reports.
   */
  log: agentProcedure
    .input(
      z.object({
        agent: agentName,
        action: actionName,
        // REVEALED is the server's record of a person's action, never an agent's to file
        status: loggableStatus,
        details: z.string().max(4000).default(''),
        callId: z.string().max(64).optional(),
      }),
    )
    .output(auditEntry)
    .mutation(({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent);
      ctx.auth.limitReports?.(ctx.principal, 1, ctx.setHeader);
      return ctx.services.audit.write({ ...input, callId: input.callId ?? null }, ctx.principal);
    }),

  /**
   * Local mode ships the decisions it made in-process in batches, each with its outcome when the
   * tool had finished by then, and the outcomes of entries shipped earlier. Entries carry a
   * client-generated key, so a batch replayed after a lost connection is stored once; outcomes
   * are write-once. Checked whole before anything is written: an outcome for an unknown entry
   * (404) or another agent's (403) refuses the batch, and so does a record that claims more than
   * the policy (at the version it names) allowed (403) or is dated outside what the server takes
   * (409) — those are recorded as VIOLATION alerts, once per record.
   */
  recordBatch: agentProcedure
    .input(recordBatchInput)
    .output(recordBatchOutput)
    .mutation(({ ctx, input }) => {
      for (const entry of input.entries) assertActsAs(ctx.principal, entry.agent);
      ctx.auth.limitReports?.(ctx.principal, input.entries.length + input.outcomes.length, ctx.setHeader);
      return ctx.services.audit.writeBatch(input, ctx.principal);
    }),

  approvalStatus: agentProcedure
    .input(z.object({ id: sequentialId }))
    .output(approval)
    .query(async ({ ctx, input }) => {
      const found = await ctx.services.approvals.get(input.id);
      mustActFor(ctx.principal, found.agent, () => unknownApproval(input.id));
      return found;
    }),

  /**
   * Review by interrupt: decided approvals whose paused LangGraph runs nobody resumed yet, oldest
   * first — what a resumer picks up after a restart.
   */
  unresumedRuns: agentProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).default(50) }).default({ limit: 50 }))
    .output(z.array(approval))
    .query(({ ctx, input }) => ctx.services.approvals.unresumedRuns(ctx.principal, input.limit)),

  /** A resumer claims a decided approval's paused run before resuming it: once, across resumers. */
  markResumed: agentProcedure
    .input(z.object({ id: sequentialId }))
    .output(approval)
    .mutation(({ ctx, input }) => ctx.services.approvals.markResumed(input.id, ctx.principal)),

  /**
   * The SDK stopped waiting: TIMEOUT is logged for its call, and the approval expires unless
   * another caller of the same call still waits on it.
   */
  approvalTimeout: agentProcedure
    .input(
      z.object({
        id: sequentialId,
        callId: callIdSchema.optional().describe('The call that stopped waiting (logged as TIMEOUT)'),
      }),
    )
    .output(approval)
    .mutation(async ({ ctx, input }) => {
      const found = await ctx.services.approvals.get(input.id);
      mustActFor(ctx.principal, found.agent, () => unknownApproval(input.id));
      return ctx.services.approvals.timeout(input.id, ctx.principal, input.callId);
    }),
});
