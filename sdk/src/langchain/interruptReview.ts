import { redactSensitive } from '@aegis/shared';
import type { Aegis } from '../client';
import { AegisApprovalPendingError, AegisError } from '../errors';
import type { CallOptions } from '../types';

/** What a REVIEW puts in the graph's interrupt: enough for a person or a UI to act on. */
export interface AegisInterrupt {
  aegis: {
    approvalId: number;
    agent: string;
    action: string;
    /** The call's arguments with sensitive values masked (the dashboard can reveal them to admins). */
    args: Record<string, unknown>;
    reason: string;
    /** The approval on the dashboard. */
    url: string;
  };
}

/** What `resumeOnDecision` resumes a paused run with (informational: the server decides again). */
export interface AegisResume {
  approvalId: number;
  status: 'APPROVED' | 'DENIED' | 'EXPIRED';
}

/** A tool call as the LangChain helpers guard it; `run` gets the arguments to run with (masked when a REDACT rule decided). */
export interface GuardedToolCall<T> {
  agent: string;
  action: string;
  args: Record<string, unknown>;
  run: (args: Record<string, unknown>) => T;
}

/** Where a tool call sits in a graph run: what an interrupt needs to resume it. */
export interface ToolCallPlace {
  threadId: unknown;
  toolCallId: string | undefined;
}

/** How the LangChain helpers wait for a human review: in-process, or by pausing the graph. */
export type ReviewMode = 'wait' | 'interrupt';

/** One guarded tool call of the LangChain helpers, reviewed the way `review` says. */
export function callInReviewMode<T>(
  aegis: Aegis,
  review: ReviewMode,
  call: GuardedToolCall<T>,
  where: ToolCallPlace,
  options: CallOptions,
): Promise<Awaited<T>> {
  return review === 'interrupt'
    ? callWithInterruptReview(aegis, call, where, options)
    : aegis.call(call.agent, call.action, call.args, call.run, options);
}

export function isAegisInterrupt(value: unknown): value is AegisInterrupt {
  const inner = (value as { aegis?: { approvalId?: unknown } } | null)?.aegis;
  return typeof inner?.approvalId === 'number';
}

/**
 * One call in `review: 'interrupt'` mode. A REVIEW pauses the graph with `interrupt()` (the run is
 * checkpointed; the process may stop); when the run is resumed the tool starts again, and the
 * call is decided again with the same run reference — the server holds it to the approval it
 * paused on: approved and unused → it runs once; denied, expired, used, or changed arguments →
 * refused. Resumed before anyone decided → paused again.
 */
export async function callWithInterruptReview<T>(
  aegis: Aegis,
  call: GuardedToolCall<T>,
  where: ToolCallPlace,
  options: CallOptions,
): Promise<Awaited<T>> {
  const { threadId, toolCallId } = where;
  if ((typeof threadId !== 'string' && typeof threadId !== 'number') || !toolCallId) {
    // A set-up mistake, not a refusal: thrown as is, so it is not handed to the model as an answer.
    throw new TypeError(
      `review: 'interrupt' needs a graph run with a checkpointer and a thread_id, and tool calls with ids (tool "${call.action}")`,
    );
  }
  const run = { threadId: String(threadId), toolCallId };
  // Loaded here, not at module load: LangGraph is an optional peer, needed only in this mode.
  const { interrupt } = await import('@langchain/langgraph');
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      return await aegis.call(call.agent, call.action, call.args, call.run, {
        ...options,
        wait: false,
        run,
      });
    } catch (error) {
      if (!(error instanceof AegisApprovalPendingError)) throw error;
      const payload: AegisInterrupt = {
        aegis: {
          approvalId: error.approvalId,
          agent: call.agent,
          action: call.action,
          args: redactSensitive(call.args) as Record<string, unknown>,
          reason: error.details.reason ?? error.message,
          url: `${aegis.url}/approvals?id=${error.approvalId}`,
        },
      };
      // First time: throws GraphInterrupt and the run pauses. On resume it returns the resume
      // value and the loop decides again; a second interrupt in the same resumed run (nobody
      // decided yet) has no resume value left, so the run pauses again.
      interrupt<AegisInterrupt, AegisResume>(payload);
    }
  }
  throw new AegisError(
    'APPROVAL_PENDING',
    `"${call.action}" is still awaiting review after resuming`,
    {
      agent: call.agent,
      action: call.action,
    },
  );
}

// A resumed run decides at most twice before pausing again; the bound only guards against a
// graph runtime that hands out more resume values than there were interrupts.
const MAX_ROUNDS = 3;
