import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { actionName, agentName, callId, decideInput, decidingRule, toolArgs, verdict, type Decision } from '@aegis/shared';
import { router } from '../trpc/init';
import { agentProcedure, assertActsAs, decideProcedure } from '../trpc/procedures';
import { parseArgsJson } from './inputs';
import { errorResponses } from './errorDocs';
import { okAnswer } from './shapes';
import { redeemsAtPoll } from '../services/approvalPoll';

const tags = ['sdk'];

/**
 * The arguments to run the tool with, when the server replaced the call's own: masked by a REDACT
 * rule (also on an approved call a REDACT rule still matches), or edited by an admin who approved
 * it. Absent otherwise — run the arguments sent. tRPC's sdk.decide answers them as `args`.
 */
const replacedArgs = {
  args: toolArgs
    .optional()
    .describe(
      'Present when the server replaced the arguments (args_replaced: true): run the tool with these, not the ones sent — masked by a REDACT rule, or edited by the admin who approved the call',
    ),
  args_replaced: z
    .literal(true)
    .optional()
    .describe('Present (true) exactly when `args` is: the tool runs with `args`'),
};

/** `args` and `args_replaced` of an answer, present only when the server replaced the arguments. */
const withArgs = (d: Decision) => (d.args ? { args: d.args, args_replaced: true as const } : {});

/**
 * The SDK paths that run a decision: the seed's /sdk/approval, and our one-call /sdk/decide and
 * /sdk/complete for clients in other languages. Both decision paths share sdk.decide's rate limit.
 */
export const sdkDecideRestRouter = router({
  createApproval: decideProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/approval',
        tags,
        summary: 'Ask a person to approve a call',
        description:
          'Runs the decision for the call: a REVIEW opens a PENDING approval bound to the agent, action and a hash of these arguments (and writes the PENDING audit entry). If one for exactly this call is already approved and unused, an agent key gets its id, left for its GET /sdk/approval-status read to use; any other key (which only looks when it polls) uses it with this request, answered as verdict ALLOWED — and when that call runs with other arguments (edited by the admin who approved it, or masked by a REDACT rule), with `args` and `args_replaced: true`: run the tool with `args`. If the policy or the kill-switch decides the call instead, the answer is 400 naming the verdict. An approval asked here takes no edited arguments (the seed client runs the arguments it asked with).',
        errorResponses: errorResponses(400, 403, 404, 413, 429),
      },
    })
    .input(z.object({ agent_name: agentName, action: actionName, args_json: z.string().default('{}').describe('The arguments as a JSON object (the body limit is 1 MB; AEGIS_MAX_ARGS_BYTES applies, 413 beyond)') }))
    .output(
      z.object({
        approval_id: z.number().int(),
        verdict: verdict.describe('Extra'),
        call_id: z.string().nullable().describe('Extra'),
        ...replacedArgs,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent_name);
      const args = parseArgsJson(input.args_json);
      // Seed clients poll the id they get and run on APPROVED. For an agent key, whose poll redeems,
      // redeeming an approved approval here (as sdk.decide would) would record an allowed call
      // whose poll then reads it used: hand it over unredeemed. Any other key only looks when it
      // polls, so for it the decision below redeems the approval, once.
      if (redeemsAtPoll(ctx.principal, input.agent_name)) {
        const approved = await ctx.services.approvals.approvedFor({ agent: input.agent_name, action: input.action, args });
        if (approved) return { approval_id: approved.id, verdict: 'REVIEW' as const, call_id: approved.callId };
      }
      const d = await ctx.services.decisions.decide(
        { agent: input.agent_name, action: input.action, args },
        ctx.principal,
        { seedClient: true },
      );
      if (d.approvalId === null) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: `No approval was opened: the call was ${d.verdict} (${d.reason})` });
      }
      return { approval_id: d.approvalId, verdict: d.verdict, call_id: d.callId, ...withArgs(d) };
    }),

  decide: decideProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/sdk/decide',
        tags,
        summary: 'Decide and record a tool call in one round trip',
        description:
          'Kill-switch, policy, approval redemption, audit entry and (for REVIEW) a new approval, in one call. Run the tool only for ALLOWED, and with `args` when the answer has them (`args_replaced: true`): a REDACT rule masked the arguments, or an admin approved the call with edited ones — the entry records that call, not the one sent. A retry with the same call_id answers the same, `args` included. Report the outcome with POST /sdk/complete.',
        errorResponses: errorResponses(400, 403, 404, 413, 429),
      },
    })
    .input(
      z.object({
        agent_name: agentName,
        action: actionName,
        args: toolArgs.default({}),
        call_id: callId.optional(),
        run_id: decideInput.shape.runId,
        tool: decideInput.shape.tool,
      }),
    )
    .output(
      z.object({
        verdict,
        reason: z.string(),
        call_id: z.string(),
        audit_id: z.number().int(),
        approval_id: z.number().int().nullable(),
        policy_version: z.number().int(),
        rule: decidingRule.nullable().describe('The rule that decided, with its policy version (null: the kill-switch)'),
        ...replacedArgs,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      assertActsAs(ctx.principal, input.agent_name);
      const d = await ctx.services.decisions.decide(
        {
          agent: input.agent_name,
          action: input.action,
          args: input.args,
          callId: input.call_id,
          runId: input.run_id,
          tool: input.tool,
        },
        ctx.principal,
      );
      return {
        verdict: d.verdict,
        reason: d.reason,
        call_id: d.callId,
        audit_id: d.auditId,
        approval_id: d.approvalId,
        policy_version: d.policyVersion,
        rule: d.rule ?? null,
        ...withArgs(d),
      };
    }),

  complete: agentProcedure
    .meta({ openapi: { method: 'POST', path: '/sdk/complete', tags, summary: "Record how an allowed call ended (by its call_id)" } })
    .input(
      z.object({
        call_id: callId,
        outcome: z.enum(['ok', 'error']),
        duration_ms: z.number().nonnegative().max(86_400_000),
        error: z.string().max(2000).optional(),
      }),
    )
    .output(okAnswer)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.decisions.complete(
        { callId: input.call_id, outcome: input.outcome, durationMs: input.duration_ms, error: input.error },
        ctx.principal,
      );
      return { status: 'ok' as const };
    }),
});
