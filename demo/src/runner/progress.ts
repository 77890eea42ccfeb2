import { colourVerdict, VERDICT_MARK, type Palette } from './format.js';
import type { AgentCounts, Verdict } from './tally.js';

/** What the progress printer needs to know about one decision. */
export interface DecisionLine {
  agent: string;
  action: string;
  verdict: Verdict | 'DENIED' | 'TIMEOUT' | 'APPROVED';
  reason: string;
  approvalId: number | null;
}

/**
 * Line-per-event progress for agents running side by side. Plain lines rather than a redrawn
 * screen, so it reads the same in a terminal, a CI log and a test's captured output.
 */
export class Progress {
  private readonly width: number;
  private readonly seen = new Map<string, number>();
  private readonly expectedCalls = new Map<string, number>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly c: Palette,
    private readonly approvalsUrl: string,
    agentNames: string[],
  ) {
    this.width = Math.max(...agentNames.map((n) => n.length), 10);
  }

  banner(text: string): void {
    this.write('');
    this.write(this.c.bold(this.c.cyan(`== ${text} ==`)));
  }

  note(text: string): void {
    this.write(this.c.dim(text));
  }

  /** Starts an agent's step counter; `expectedCalls` is known only for the scripted model. */
  /** Something that happened to an agent rather than a call of it (kill-switch, revival). */
  agentEvent(agent: string, text: string): void {
    this.write(`${this.tag(agent)} ${this.c.bold(text)}`);
  }

  agentStarted(agent: string, displayName: string, model: string, expectedCalls?: number): void {
    this.seen.set(agent, 0);
    if (expectedCalls) this.expectedCalls.set(agent, expectedCalls);
    else this.expectedCalls.delete(agent);
    this.write(`${this.tag(agent)} ▶ ${displayName} started on ${model}`);
  }

  decision(d: DecisionLine): void {
    const step = this.step(d);
    const mark =
      d.verdict in VERDICT_MARK
        ? VERDICT_MARK[d.verdict as Verdict]
        : d.verdict === 'APPROVED'
          ? '✓'
          : '✗';
    const detail =
      d.verdict === 'REVIEW'
        ? `approval #${d.approvalId ?? '?'} waiting: ${this.approvalsUrl}`
        : d.reason;
    this.write(
      `${this.tag(d.agent)} ${step}${mark} ${colourVerdict(this.c, d.verdict).padEnd(this.pad(d.verdict))} ${d.action.padEnd(24)} ${this.c.dim(detail)}`,
    );
  }

  agentFinished(agent: string, counts: AgentCounts, answer: string): void {
    const summary = `${counts.allowed} allowed, ${counts.blocked} blocked, ${counts.review} review, ${counts.killed} killed`;
    this.write(`${this.tag(agent)} ■ finished: ${summary}`);
    for (const line of answer.split('\n').slice(0, 12))
      this.write(`${this.tag(agent)}   ${this.c.dim(line)}`);
  }

  agentFailed(agent: string, error: unknown): void {
    this.write(
      `${this.tag(agent)} ${this.c.red('✗ run failed:')} ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  private tag(agent: string): string {
    return this.c.bold(agent.padEnd(this.width));
  }

  /** "[3/6] " while a scripted agent runs, counting decisions (a review's outcome is not a new step). */
  private step(d: DecisionLine): string {
    if (d.verdict === 'APPROVED' || d.verdict === 'DENIED' || d.verdict === 'TIMEOUT')
      return '      ';
    const n = (this.seen.get(d.agent) ?? 0) + 1;
    this.seen.set(d.agent, n);
    const of = this.expectedCalls.get(d.agent);
    return this.c.dim(of ? `[${n}/${of}] ` : `[${n}] `);
  }

  /** Pads by the visible width, ignoring colour codes. */
  private pad(verdict: string): number {
    return 7 + (colourVerdict(this.c, verdict as Verdict).length - verdict.length);
  }
}
