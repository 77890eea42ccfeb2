/** The four outcomes the summary counts, as Aegis decides them. */
export type Verdict = 'ALLOWED' | 'BLOCKED' | 'REVIEW' | 'KILLED';
/** How a REVIEW call was finally settled. */
export type ReviewResult = 'APPROVED' | 'DENIED' | 'TIMEOUT' | 'PENDING';

export interface CallRecord {
  agent: string;
  action: string;
  verdict: Verdict;
  review?: ReviewResult;
}

export interface AgentCounts {
  agent: string;
  allowed: number;
  blocked: number;
  review: number;
  killed: number;
  total: number;
  approved: number;
  denied: number;
}

/** Collects every decided call of the run, for the progress lines and the closing summary. */
export class Tally {
  readonly calls: CallRecord[] = [];

  record(call: CallRecord): void {
    this.calls.push(call);
  }

  /** Marks the latest still-open REVIEW of this agent and action as settled. */
  settle(agent: string, action: string, review: ReviewResult): void {
    const open = this.calls.findLast((c) => c.agent === agent && c.action === action && c.verdict === 'REVIEW' && !c.review);
    if (open) open.review = review;
  }

  countsFor(agent: string): AgentCounts {
    return count(agent, this.calls.filter((c) => c.agent === agent));
  }

  total(): AgentCounts {
    return count('total', this.calls);
  }

  verdictsOf(agent: string, action?: string): Verdict[] {
    return this.calls.filter((c) => c.agent === agent && (!action || c.action === action)).map((c) => c.verdict);
  }
}

function count(agent: string, calls: CallRecord[]): AgentCounts {
  const of = (v: Verdict) => calls.filter((c) => c.verdict === v).length;
  return {
    agent,
    allowed: of('ALLOWED'),
    blocked: of('BLOCKED'),
    review: of('REVIEW'),
    killed: of('KILLED'),
    total: calls.length,
    approved: calls.filter((c) => c.review === 'APPROVED').length,
    denied: calls.filter((c) => c.review === 'DENIED' || c.review === 'TIMEOUT').length,
  };
}
