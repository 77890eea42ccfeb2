import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { annotate, inSpan } from '@aegis/shared';
import { tracer } from './tracing';
import { waitForApproval } from './approvalWait';
import type { ChangeFeed } from './changeFeed';
import type { CompletionReporter } from './completions';
import type { CallResult } from './local/items';
import {
  AegisApprovalDeniedError,
  AegisApprovalPendingError,
  AegisApprovalTimeoutError,
  AegisBlockedError,
  AegisError,
  AegisKilledError,
  type AegisErrorDetails,
} from './errors';
import { detectorsFrom, screenResult, type ResultRules } from './results';
import { isUnreachable, toAegisError } from './serverErrors';
import type { AegisApi } from './transport';
import type {
  AegisDecision,
  CallOptions,
  DecidingRuleRef,
  DecisionEvent,
  DecisionHook,
  FailMode,
  ToolMeta,
} from './types';

/** Five minutes: long enough for a human, short enough that nothing hangs forever. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 5 * 60_000;
// An approved call is decided again so the server consumes the approval; if policy changed in
// between, that can lead to a fresh review. Bound the rounds so nothing loops forever.
const MAX_REVIEW_ROUNDS = 3;

/** A decision local mode made in-process (no server round trip, so no audit id yet). */
export interface LocalVerdict {
  verdict: 'ALLOWED' | 'BLOCKED' | 'KILLED';
  reason: string;
  policyVersion: number;
  /** The rule that decided (null: the kill-switch). */
  rule: DecidingRuleRef | null;
  /** A REDACT rule decided: run the tool with these arguments (what DLP found masked). */
  args?: Record<string, unknown>;
}

/** What the policy may read about a call beyond its arguments. */
export interface LocalCallContext {
  tool?: ToolMeta;
  runId?: string;
  channel?: CallOptions['channel'];
}

/** The in-process decider of local mode. */
export interface LocalDecider {
  /** A verdict, or null when the server must decide (REVIEW). Throws AegisUnavailableError when stale. */
  decide(
    agent: string,
    action: string,
    args: Record<string, unknown>,
    callId: string,
    context?: LocalCallContext,
  ): Promise<LocalVerdict | null>;
  /** How a call it allowed ended; shipped with (or after) its record, never a request of its own. */
  complete(callId: string, result: CallResult): void;
  /** The `on: result` rules for this agent's calls of this action, from the snapshot (if any). */
  resultRules?(agent: string, action: string): ResultRules | undefined;
}

/** What the guard needs from its client. */
export interface GuardRuntime {
  api: AegisApi;
  feed: ChangeFeed;
  completions: CompletionReporter;
  onDecision: DecisionHook | undefined;
  onBackgroundError: (error: unknown) => void;
  defaultTimeoutMs: number;
  /** Registers the agent (and, in local mode, loads its snapshot) before its first call. */
  prepare(agent: string): Promise<void>;
  failModeFor(agent: string): FailMode;
  local: LocalDecider | undefined;
}

/**
 * One guarded call: who, what, with which arguments, and the body to run if allowed. `run` gets
 * the arguments to run with: `args` itself, or its masked copy when a REDACT rule decided.
 */
export interface GuardedCall<T> {
  agent: string;
  action: string;
  args: Record<string, unknown>;
  run: (args: Record<string, unknown>) => T | Promise<T>;
  options?: CallOptions;
}

type Decided = Pick<AegisDecision, 'verdict' | 'reason' | 'approvalId'> & {
  policyVersion?: number;
  auditId: number | null;
  rule?: DecidingRuleRef | null;
  /** A REDACT rule decided: the masked arguments the tool runs with. */
  args?: Record<string, unknown>;
  source: 'server' | 'local';
  /** Set when on: result rules apply: the result is screened before it is returned. */
  resultRules?: ResultRules;
};

/** A fresh id per call, tying its decision to its outcome. */
export function newCallId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The decision path of one call: decide (server or local), then run and report (ALLOWED), throw
 * (BLOCKED, KILLED, unreachable), or wait for a human (REVIEW) and decide again once approved —
 * the server consumes the approval, bound to this agent, action and these exact arguments.
 */
export function guardCall<T>(rt: GuardRuntime, call: GuardedCall<T>): Promise<T> {
  // The GenAI semantic conventions' tool-execution span, under whatever span is active (a
  // LangChain/LangGraph run's). Names and verdicts only: never the arguments' values.
  return inSpan(
    tracer,
    `execute_tool ${call.action}`,
    () => ({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': call.action,
      'gen_ai.agent.name': call.agent,
    }),
    () => guardedCall(rt, call),
  );
}

/** The span's verdict attributes (set only while a span records). */
function annotateDecision(
  d: Pick<Decided, 'verdict' | 'approvalId' | 'rule' | 'policyVersion' | 'source'>,
): void {
  annotate(() => ({
    'aegis.verdict': d.verdict,
    'aegis.decided_by': d.source,
    ...(d.rule ? { 'aegis.rule': d.rule.id } : {}),
    ...(d.policyVersion !== undefined ? { 'aegis.policy_version': d.policyVersion } : {}),
    ...(d.approvalId !== null ? { 'aegis.approval_id': d.approvalId } : {}),
  }));
}

async function guardedCall<T>(rt: GuardRuntime, call: GuardedCall<T>): Promise<T> {
  const { agent, action, args } = call;
  for (let round = 0; round < MAX_REVIEW_ROUNDS; round++) {
    const callId = newCallId();
    const details: AegisErrorDetails = { agent, action, callId };
    const event = (
      d: Pick<DecisionEvent, 'verdict' | 'reason' | 'source'> & Partial<DecisionEvent>,
    ): DecisionEvent => ({
      agent,
      action,
      args,
      callId,
      approvalId: null,
      auditId: null,
      ...d,
    });

    let decided: Decided;
    try {
      await rt.prepare(agent);
      decided = await inSpan(
        tracer,
        'aegis.decide',
        () => ({ 'aegis.decided_by': rt.local ? 'local' : 'server' }),
        () => decideOnce(rt, call, callId),
        { kind: SpanKind.CLIENT },
      );
    } catch (error) {
      annotate(() => ({ 'aegis.verdict': 'UNAVAILABLE' }));
      const failure = toAegisError(error, details);
      if (!isUnreachable(error)) throw failure;
      if (rt.failModeFor(agent) === 'open') {
        await notify(
          rt,
          event({
            verdict: 'UNAVAILABLE',
            reason: `fail-open: ${failure.message}`,
            source: 'fail-open',
          }),
        );
        return await call.run(args);
      }
      throw await refuse(
        rt,
        event({ verdict: 'UNAVAILABLE', reason: failure.message, source: 'server' }),
        failure,
      );
    }

    annotateDecision(decided);
    const ev = event({ ...decided });
    const why = { ...details, reason: decided.reason, approvalId: decided.approvalId };
    switch (decided.verdict) {
      case 'ALLOWED':
        await notify(rt, ev);
        return runAndReport(rt, call, callId, decided);
      case 'BLOCKED':
        throw await refuse(
          rt,
          ev,
          new AegisBlockedError(
            `Aegis blocked "${action}" for agent "${agent}": ${decided.reason}`,
            why,
          ),
        );
      case 'KILLED':
        throw await refuse(
          rt,
          ev,
          new AegisKilledError(
            `Aegis refused "${action}": agent "${agent}" is paused by its kill-switch`,
            why,
          ),
        );
      case 'REVIEW': {
        const approvalId = decided.approvalId;
        if (approvalId === null)
          throw new AegisError(
            'INTERNAL',
            'The server asked for review without an approval id',
            why,
          );
        if (call.options?.wait === false) {
          throw await refuse(
            rt,
            ev,
            new AegisApprovalPendingError(
              `"${action}" for agent "${agent}" awaits human approval #${approvalId}; retry the same call once it is approved`,
              approvalId,
              why,
            ),
          );
        }
        await notify(rt, ev);
        call.options?.onReview?.(approvalId);
        // Its own span: the human's time, apart from Aegis's and the tool's.
        const outcome = await inSpan(
          tracer,
          'aegis.approval.wait',
          () => ({ 'aegis.approval_id': approvalId }),
          async (span) => {
            const result = await waitForApproval(
              rt.api,
              rt.feed,
              approvalId,
              call.options?.timeoutMs ?? rt.defaultTimeoutMs,
              call.options?.signal,
            );
            span?.setAttribute('aegis.approval.outcome', result);
            return result;
          },
        );
        if (outcome !== 'APPROVED')
          annotate(() => ({ 'aegis.verdict': outcome === 'DENIED' ? 'DENIED' : 'TIMEOUT' }));
        if (outcome === 'APPROVED') continue;
        if (outcome === 'DENIED') {
          throw await refuse(
            rt,
            event({
              verdict: 'DENIED',
              reason: `Approval #${approvalId} was denied`,
              approvalId,
              source: 'server',
            }),
            new AegisApprovalDeniedError(
              `A reviewer denied "${action}" for agent "${agent}" (approval #${approvalId})`,
              why,
            ),
          );
        }
        if (outcome === 'TIMEOUT' || outcome === 'CANCELLED') {
          // Tell the server we stopped waiting: it expires the approval and logs TIMEOUT, so an
          // approval given later can't run a call nobody is waiting for.
          await rt.api.sdk.approvalTimeout
            .mutate({ id: approvalId })
            .catch((error: unknown) => rt.onBackgroundError(error));
        }
        if (outcome === 'CANCELLED') {
          throw new AegisError(
            'CANCELLED',
            `"${action}" for agent "${agent}" was cancelled while it waited for approval #${approvalId}`,
            why,
          );
        }
        throw await refuse(
          rt,
          event({
            verdict: 'TIMEOUT',
            reason: `Approval #${approvalId} was not decided in time`,
            approvalId,
            source: 'server',
          }),
          new AegisApprovalTimeoutError(
            `Nobody decided on "${action}" for agent "${agent}" in time (approval #${approvalId}); treated as denied`,
            why,
          ),
        );
      }
    }
  }
  throw new AegisApprovalDeniedError(
    `"${action}" was approved but the server would not honour the approval (did the policy change?)`,
    { agent, action },
  );
}

async function decideOnce<T>(
  rt: GuardRuntime,
  call: GuardedCall<T>,
  callId: string,
): Promise<Decided> {
  if (rt.local) {
    const { tool, runId, channel } = call.options ?? {};
    const local = await rt.local.decide(call.agent, call.action, call.args, callId, {
      tool,
      runId,
      channel,
    });
    if (local) {
      const resultRules = rt.local.resultRules?.(call.agent, call.action);
      return { ...local, approvalId: null, auditId: null, source: 'local', resultRules };
    }
  }
  const tool = call.options?.tool;
  const { resultRules, ...decision } = await rt.api.sdk.decide.mutate({
    agent: call.agent,
    action: call.action,
    args: call.args,
    callId,
    ...(tool ? { tool } : {}),
    ...(call.options?.runId ? { runId: call.options.runId } : {}),
    ...(call.options?.run ? { run: call.options.run } : {}),
    ...(call.options?.channel ? { channel: call.options.channel } : {}),
  });
  if (!resultRules) return { ...decision, source: 'server' };
  return {
    ...decision,
    source: 'server',
    resultRules: { detectors: detectorsFrom(resultRules.detectors) },
  };
}

async function runAndReport<T>(
  rt: GuardRuntime,
  call: GuardedCall<T>,
  callId: string,
  decided: Decided,
): Promise<T> {
  // Strict: `sdk.complete` in the background. Local: the outcome joins the call's record.
  const report = (result: CallResult) => {
    if (decided.source === 'local' && rt.local) rt.local.complete(callId, result);
    else rt.completions.report({ callId, ...result });
  };
  const started = performance.now();
  let result: T;
  try {
    result = await call.run(decided.args ?? call.args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report({
      outcome: 'error',
      durationMs: performance.now() - started,
      error: message.slice(0, 2000),
    });
    throw error;
  }
  const durationMs = performance.now() - started;
  // The tool ran: the result is screened (DLP, on: result rules) before anyone sees it.
  let screened;
  try {
    screened = await screenResult(
      rt,
      { ...call, timeoutMs: call.options?.timeoutMs },
      callId,
      result,
      decided.resultRules,
    );
  } catch (error) {
    report({ outcome: 'ok', durationMs });
    throw toAegisError(error, { agent: call.agent, action: call.action, callId });
  }
  report({ outcome: 'ok', durationMs, ...screened.report });
  if (screened.refusal) throw screened.refusal;
  return screened.value;
}

/** Calls the hook; whatever error it returns or throws replaces the SDK's own refusal. */
async function refuse(
  rt: GuardRuntime,
  event: DecisionEvent,
  fallback: AegisError,
): Promise<Error> {
  if (!rt.onDecision) return fallback;
  try {
    return (await rt.onDecision(event)) ?? fallback;
  } catch (substitute) {
    return substitute instanceof Error ? substitute : fallback;
  }
}

/** Calls the hook for a decision that is not a refusal; a failing hook must not break the call. */
async function notify(rt: GuardRuntime, event: DecisionEvent): Promise<void> {
  if (!rt.onDecision) return;
  try {
    await rt.onDecision(event);
  } catch (error) {
    rt.onBackgroundError(error);
  }
}
