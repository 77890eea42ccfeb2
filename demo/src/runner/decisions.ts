import type { Aegis, DecisionEvent } from '@aegis/sdk';
import type { ApproveMode } from './args.js';
import type { Progress } from './progress.js';
import type { Tally } from './tally.js';

/** A decision as another process reports it (the paused-run scene's agent): no arguments. */
export type ReportedDecision = Pick<
  DecisionEvent,
  'agent' | 'action' | 'verdict' | 'reason' | 'approvalId'
>;

/** Something that wants to act on a decision before the call proceeds (the kill-switch scene). */
export type DecisionListener = (event: DecisionEvent) => Promise<void> | void;

/**
 * Receives every decision the SDK makes (its `onDecision` hook) and turns it into a progress
 * line, a tally entry and — with `--approve all|none` — a reviewer's answer. The SDK awaits the
 * hook before the call goes on, which is what lets the kill-switch scene pause an agent exactly
 * between two calls.
 */
export class DecisionDesk {
  private readonly listeners = new Set<DecisionListener>();
  private aegis: Aegis | undefined;

  constructor(
    private readonly tally: Tally,
    private readonly progress: Progress,
    private readonly approve: ApproveMode,
  ) {}

  /** The client is created with this desk's hook, so it is attached afterwards. */
  attach(aegis: Aegis): void {
    this.aegis = aegis;
  }

  listen(listener: DecisionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The `onDecision` hook; returns nothing, so the SDK's own refusal errors stand. */
  readonly hook = async (event: DecisionEvent): Promise<void> => {
    await this.handle(event, true);
    for (const listener of this.listeners) await listener(event);
  };

  /**
   * A decision made in another process (the paused-run scene's agent): tallied and printed like
   * the others, but a REVIEW is not settled here — the scene decides when its process is gone.
   */
  observe(event: ReportedDecision): Promise<void> {
    return this.handle(event, false);
  }

  /** Plays the reviewer for one approval with --approve all|none; false with --approve human. */
  async decide(approvalId: number): Promise<boolean> {
    if (this.approve === 'human' || !this.aegis) return false;
    const decision = this.approve === 'all' ? 'APPROVED' : 'DENIED';
    await this.aegis.api.approvals.decide.mutate({ id: approvalId, decision });
    return true;
  }

  private async handle(event: ReportedDecision, settleReviews: boolean): Promise<void> {
    const { agent, action, verdict, reason, approvalId } = event;
    switch (verdict) {
      case 'ALLOWED':
        // An approved call is decided again and comes back ALLOWED with its approval id.
        if (approvalId !== null && this.tally.settle(approvalId, 'APPROVED')) {
          this.progress.decision({
            agent,
            action,
            verdict: 'APPROVED',
            reason: `approval #${approvalId} approved`,
            approvalId,
          });
        } else {
          this.tally.record({ agent, action, verdict });
          this.progress.decision({ agent, action, verdict, reason, approvalId });
        }
        break;
      case 'BLOCKED':
      case 'KILLED':
        this.tally.record({ agent, action, verdict });
        this.progress.decision({ agent, action, verdict, reason, approvalId });
        break;
      case 'REVIEW':
        this.tally.record({ agent, action, verdict, approvalId });
        this.progress.decision({ agent, action, verdict, reason, approvalId });
        // With --approve all|none the demo plays the reviewer; the SDK's wait sees the answer at once.
        if (approvalId !== null && settleReviews) await this.decide(approvalId);
        break;
      case 'DENIED':
      case 'TIMEOUT':
        if (approvalId !== null) this.tally.settle(approvalId, verdict);
        this.progress.decision({ agent, action, verdict, reason, approvalId });
        break;
      case 'UNAVAILABLE':
        this.progress.note(`${agent}: Aegis unreachable for ${action}: ${reason}`);
        break;
    }
  }
}
