import { SpanKind } from '@opentelemetry/api';
import { annotate, inSpan, maskedToolError } from '@aegis/shared';
import { randomId } from './ids';
import { tracer } from './tracing';
import { waitForApproval, waitToAnnounce } from './approvalWait';
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
} from './errors';
import {
  detectorsFrom,
  scanForRecord,
  screenResult,
  type ResultRules,
  type ScreenedResult,
} from './results';
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
  upstream?: CallOptions['upstream'];
  upstreamTool?: CallOptions['upstreamTool'];
}

/** The in-process decider of local mode. */
export interface LocalDecider {
  /**
   * A verdict, or null when the server must decide (REVIEW). Throws AegisUnavailableError when
   * stale. Answers synchronously when it can (snapshot loaded, nothing to wait for): the guard
   * then skips an await.
   */
  decide(
    agent: string,
    action: string,
    args: Record<string, unknown>,
    callId: string,
    context?: LocalCallContext,
  ): LocalVerdict | null | Promise<LocalVerdict | null>;
  /** How a call it allowed ended; shipped with (or after) its record, never a request of its own. */
  complete(callId: string, result: CallResult): void;
  /** The `on: result` rules for this agent's calls of this action, from the snapshot (if any). */
  resultRules?(agent: string, action: string, tool?: ToolMeta): ResultRules | undefined;
}

/** What the guard needs from its client. */
export interface GuardRuntime {
  api: AegisApi;
  feed: ChangeFeed;
  completions: CompletionReporter;
  onDecision: DecisionHook | undefined;
  onBackgroundError: (error: unknown) => void;
  defaultTimeoutMs: number;
  /**
   * Registers the agent (and, in local mode, loads its snapshot) before its first call; undefined
   * when there is nothing to wait for (registered already, or an agent without a handle).
   */
  prepare(agent: string): Promise<unknown> | undefined;
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
  return randomId();
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

/** What the `onDecision` hook is told about one decision of a call. */
function eventOf(
  call: GuardedCall<unknown>,
  callId: string,
  d: Pick<DecisionEvent, 'verdict' | 'reason' | 'source'> & Partial<DecisionEvent>,
): DecisionEvent {
  return {
    agent: call.agent,
    action: call.action,
    args: call.args,
    callId,
    approvalId: null,
    auditId: null,
    ...d,
  };
}

// Made once, not per call: the decide span's options and attributes.
const DECIDE_SPAN = { kind: SpanKind.CLIENT };
const decidedLocally = () => ({ 'aegis.decided_by': 'local' });
const decidedByServer = () => ({ 'aegis.decided_by': 'server' });

async function guardedCall<T>(rt: GuardRuntime, call: GuardedCall<T>): Promise<T> {
  const { agent, action, args } = call;
  for (let round = 0; round < MAX_REVIEW_ROUNDS; round++) {
    const callId = newCallId();

    let decided: Decided;
    try {
      const preparing = rt.prepare(agent);
      if (preparing) await preparing;
      decided = await inSpan(
        tracer,
        'aegis.decide',
        rt.local ? decidedLocally : decidedByServer,
        () => decideOnce(rt, call, callId),
        DECIDE_SPAN,
      );
    } catch (error) {
      annotate(() => ({ 'aegis.verdict': 'UNAVAILABLE' }));
      const failure = toAegisError(error, { agent, action, callId });
      if (!isUnreachable(error)) throw failure;
      if (rt.failModeFor(agent) === 'open') {
        await notify(
          rt,
          eventOf(call, callId, {
            verdict: 'UNAVAILABLE',
            reason: `fail-open: ${failure.message}`,
            source: 'fail-open',
          }),
        );
        return await call.run(args);
      }
      throw await refuse(
        rt,
        eventOf(call, callId, { verdict: 'UNAVAILABLE', reason: failure.message, source: 'server' }),
        failure,
      );
    }

    annotateDecision(decided);
    if (decided.verdict === 'ALLOWED') {
      // The hook's event is made only when there is a hook (the usual ALLOWED call has none).
      if (rt.onDecision) await notify(rt, eventOf(call, callId, { ...decided }));
      return runAndReport(rt, call, callId, decided);
    }
    const ev = eventOf(call, callId, { ...decided });
    const why = { agent, action, callId, reason: decided.reason, approvalId: decided.approvalId };
    switch (decided.verdict) {
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
            eventOf(call, callId, {
              verdict: 'DENIED',
              reason: `Approval #${approvalId} was denied`,
              approvalId,
              source: 'server',
            }),
            // details.reason says what ended the call, not the review's opening reason
            // ("…; approval #3 opened"), which read as if the call were still waiting.
            new AegisApprovalDeniedError(
              `A reviewer denied "${action}" for agent "${agent}" (approval #${approvalId})`,
              { ...why, reason: `Approval #${approvalId} was denied` },
            ),
          );
        }
        if (outcome === 'TIMEOUT' || outcome === 'CANCELLED') {
          // Tell the server we stopped waiting: it logs TIMEOUT for this call and expires the
          // approval (unless another caller of the same call still waits on it), so an approval
          // given later can't run a call nobody is waiting for.
          await rt.api.sdk.approvalTimeout
            .mutate({ id: approvalId, callId })
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
          eventOf(call, callId, {
            verdict: 'TIMEOUT',
            reason: `Approval #${approvalId} was not decided in time`,
            approvalId,
            source: 'server',
          }),
          new AegisApprovalTimeoutError(
            `Nobody decided on "${action}" for agent "${agent}" in time (approval #${approvalId}); treated as denied`,
            { ...why, reason: `Approval #${approvalId} was not decided in time` },
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
    // Usually answered at once (no await): the snapshot is loaded and nothing is in flight.
    const answer = rt.local.decide(call.agent, call.action, call.args, callId, call.options);
    const local = answer instanceof Promise ? await answer : answer;
    if (local) {
      const decided: Decided = {
        verdict: local.verdict,
        reason: local.reason,
        policyVersion: local.policyVersion,
        rule: local.rule,
        approvalId: null,
        auditId: null,
        source: 'local',
        resultRules: rt.local.resultRules?.(call.agent, call.action, call.options?.tool),
      };
      if (local.args) decided.args = local.args;
      return decided;
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
    ...(call.options?.upstream ? { upstream: call.options.upstream } : {}),
    ...(call.options?.upstreamTool ? { upstreamTool: call.options.upstreamTool } : {}),
    ...announcedWait(rt, call),
  });
  if (!resultRules) return { ...decision, source: 'server' };
  return {
    ...decision,
    source: 'server',
    resultRules: { detectors: detectorsFrom(resultRules.detectors) },
  };
}

/** The wait this call announces: none when it won't wait here (`wait: false`, review by interrupt). */
function announcedWait(rt: GuardRuntime, call: GuardedCall<unknown>): { waitMs?: number } {
  if (call.options?.wait === false || call.options?.run) return {};
  return waitToAnnounce(call.options?.timeoutMs ?? rt.defaultTimeoutMs);
}

async function runAndReport<T>(
  rt: GuardRuntime,
  call: GuardedCall<T>,
  callId: string,
  decided: Decided,
): Promise<T> {
  const started = performance.now();
  let result: T;
  try {
    result = await call.run(decided.args ?? call.args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report(rt, decided, callId, {
      outcome: 'error',
      durationMs: performance.now() - started,
      // An error can quote the data the tool failed on: only its masked text leaves the process.
      error: maskedToolError(message),
    });
    throw error;
  }
  const durationMs = performance.now() - started;
  // The tool ran: the result is screened (DLP, on: result rules) before anyone sees it. Without
  // result rules that is a scan for the record, done here without an await.
  let screened: ScreenedResult<T>;
  try {
    screened = decided.resultRules
      ? await screenResult(
          rt,
          { ...call, timeoutMs: call.options?.timeoutMs, tool: call.options?.tool },
          callId,
          result,
          decided.resultRules,
        )
      : scanForRecord(result);
  } catch (error) {
    report(rt, decided, callId, { outcome: 'ok', durationMs });
    throw toAegisError(error, { agent: call.agent, action: call.action, callId });
  }
  report(rt, decided, callId, { outcome: 'ok', durationMs, ...screened.report });
  if (screened.refusal) throw screened.refusal;
  return screened.value;
}

/** How the call ended. Strict: `sdk.complete` in the background. Local: it joins the call's record. */
function report(rt: GuardRuntime, decided: Decided, callId: string, result: CallResult): void {
  if (decided.source === 'local' && rt.local) rt.local.complete(callId, result);
  else rt.completions.report({ callId, ...result });
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
