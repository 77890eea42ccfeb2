/** The four outcomes the summary counts, as Aegis decides them. */
export type Verdict = 'ALLOWED' | 'BLOCKED' | 'REVIEW' | 'KILLED';
/** How a REVIEW call was finally settled. */
export type ReviewResult = 'APPROVED' | 'DENIED' | 'TIMEOUT' | 'PENDING';

export interface CallRecord {
  agent: string;
  action: string;
  verdict: Verdict;
  /** Set for REVIEW: the approval the call waits on. */
  approvalId?: number | null;
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

  /** Records how the REVIEW waiting on this approval ended; false if no such call was seen. */
  settle(approvalId: number, review: ReviewResult): boolean {
    const open = this.calls.find((c) => c.verdict === 'REVIEW' && c.approvalId === approvalId);
    if (!open) return false;
    open.review = review;
    return true;
  }

  countsFor(agent: string): AgentCounts {
    return count(
      agent,
      this.calls.filter((c) => c.agent === agent),
    );
  }

  /** Counts of one agent's calls recorded from position `from` on (one scene of the run). */
  countsSince(agent: string, from: number): AgentCounts {
    return count(
      agent,
      this.calls.slice(from).filter((c) => c.agent === agent),
    );
  }

  total(): AgentCounts {
    return count('total', this.calls);
  }

  verdictsOf(agent: string, action?: string): Verdict[] {
    return this.calls
      .filter((c) => c.agent === agent && (!action || c.action === action))
      .map((c) => c.verdict);
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
