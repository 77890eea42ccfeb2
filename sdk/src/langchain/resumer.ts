import type { Approval } from '../types';
import { serverReason, toAegisError } from '../serverErrors';
import { isAegisInterrupt, type AegisResume } from './interruptReview';
import { clientAndAgent, type AegisOrHandle } from './target';

/** The part of a compiled LangGraph graph the resumer uses (its checkpointer holds the runs). */
export interface ResumableGraph {
  invoke(input: unknown, config: { configurable: { thread_id: string } }): Promise<unknown>;
  getState(config: { configurable: { thread_id: string } }): Promise<{
    tasks: ReadonlyArray<{ interrupts?: ReadonlyArray<{ value?: unknown }> }>;
  }>;
}

/** What the resumer needs of an approval (change events carry it without the arguments). */
export type PausedApproval = Pick<Approval, 'id' | 'agent' | 'action' | 'status' | 'pausedRun'>;

/** Options of {@link resumeOnDecision}. */
export interface ResumeOptions {
  /** Only runs of these agents. @defaultValue the handle's agent, else every agent the key may act as */
  agents?: readonly string[];
  /** Called after a paused run was resumed, with what the run returned (until its next pause or end). */
  onResumed?: (approval: PausedApproval, result: unknown) => void;
  /**
   * Called when resuming a run failed (`approval` null: the look-up of decided approvals failed).
   * A run whose resume failed stays claimed; re-run it from its checkpoint yourself.
   * @defaultValue logs to stderr
   */
  onError?: (error: unknown, approval: PausedApproval | null) => void;
  /** How often to look for decided approvals missed while disconnected. @defaultValue 30_000 */
  sweepMs?: number;
}

/** A running resumer: `ready` once the first sweep is done; `stop()` ends it. */
export interface Resumer {
  ready: Promise<void>;
  /** Resolves when no resume is in flight. */
  idle(): Promise<void>;
  stop(): void;
}

/**
 * Resumes LangGraph runs paused by `review: 'interrupt'` as soon as a person decides their
 * approval (on the dashboard, CLI or REST) — no polling in the application. Runs paused while no
 * resumer was up (the process restarted, say) are found again on start: Aegis keeps which run
 * each approval paused, the graph's checkpointer keeps the run. Several resumers may run: each
 * run is claimed on the server first, so it is resumed once. A run not in this graph's
 * checkpointer is left to whichever resumer has it.
 *
 * @example
 * ```ts
 * const graph = createReactAgent({ llm, tools: wrapTools(support, tools, { review: 'interrupt' }), checkpointer });
 * const resumer = resumeOnDecision(support, graph, { onResumed: (a, out) => console.log(a.id, out) });
 * ```
 */
export function resumeOnDecision(
  target: AegisOrHandle,
  graph: ResumableGraph,
  options: ResumeOptions = {},
): Resumer {
  const { aegis, agent } = clientAndAgent(target, undefined);
  const agents = options.agents ?? (agent ? [agent] : null);
  const inFlight = new Map<number, Promise<void>>();
  let stopped = false;
  const report =
    options.onError ??
    ((error: unknown) => console.error('[aegis] resuming a paused run failed:', error));

  const mine = (a: PausedApproval) =>
    a.pausedRun !== null &&
    a.pausedRun.resumedAt === null &&
    a.status !== 'PENDING' &&
    (agents === null || agents.includes(a.agent));

  const consider = (approval: PausedApproval) => {
    // A pending approval's change (a quorum vote, a longer wait) is not a decision to resume on.
    if (stopped || approval.status === 'PENDING' || !mine(approval) || inFlight.has(approval.id))
      return;
    const job = resumeOne(approval).finally(() => inFlight.delete(approval.id));
    inFlight.set(approval.id, job);
  };

  async function resumeOne(approval: PausedApproval): Promise<void> {
    const run = approval.pausedRun;
    if (!run) return;
    const config = { configurable: { thread_id: run.threadId } };
    try {
      const state = await graph.getState(config);
      const pausedHere = state.tasks.some((task) =>
        (task.interrupts ?? []).some(
          (i) => isAegisInterrupt(i.value) && i.value.aegis.approvalId === approval.id,
        ),
      );
      if (!pausedHere) return; // another graph's run, or one already continued
      try {
        await aegis.api.sdk.markResumed.mutate({ id: approval.id });
      } catch (error) {
        if (serverReason(error) === 'RUN_NOT_RESUMABLE') return; // another resumer has it
        throw toAegisError(error, { approvalId: approval.id });
      }
      const { Command } = await import('@langchain/langgraph');
      const resume: AegisResume = {
        approvalId: approval.id,
        status: approval.status as AegisResume['status'],
      };
      const result = await graph.invoke(new Command({ resume }), config);
      options.onResumed?.(approval, result);
    } catch (error) {
      report(error, approval);
    }
  }

  async function sweep(): Promise<void> {
    if (stopped) return;
    try {
      for (const approval of await aegis.api.sdk.unresumedRuns.query({ limit: 200 })) {
        consider(approval);
      }
    } catch (error) {
      report(toAegisError(error, {}), null);
    }
  }

  const off = aegis.onChange((event) => {
    if (event.type === 'approval.decided') consider(event.approval);
  });
  const timer = setInterval(() => void sweep(), options.sweepMs ?? 30_000);
  const ready = aegis.whenLive().then(sweep);

  return {
    ready,
    async idle() {
      await ready;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      off();
    },
  };
}
