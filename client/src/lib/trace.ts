import type { AuditEntry } from './liveFeed';
import { age } from './format';

/** One call as the log tells it: its decision, the person's decision on its approval, the run. */
export interface TraceRow {
  /** Oldest first. */
  steps: AuditEntry[];
  /** The newest step: where the call stands now. */
  head: AuditEntry;
}

/**
 * Groups entries (newest first) into calls: entries sharing an approval id or a call id are one
 * call (the call an approval let through carries the approval's id under a call id of its own).
 * Rows come back newest first, ordered by their newest step.
 */
export function groupTraces(entries: AuditEntry[]): TraceRow[] {
  const byApproval = new Map<number, AuditEntry[]>();
  const byCall = new Map<string, AuditEntry[]>();
  const groups: AuditEntry[][] = [];
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    const found =
      (e.approvalId != null ? byApproval.get(e.approvalId) : undefined) ??
      (e.callId != null ? byCall.get(e.callId) : undefined);
    const group = found ?? [];
    if (!found) groups.push(group);
    group.push(e);
    if (e.approvalId != null) byApproval.set(e.approvalId, group);
    if (e.callId != null) byCall.set(e.callId, group);
  }
  return groups
    .map((steps) => ({ steps, head: steps[steps.length - 1]! }))
    .sort((a, b) => b.head.id - a.head.id);
}

/**
 * The server's words for an approval with edited arguments (server/src/services/approvals.ts and
 * decisions.ts): the person's decision, and the call it let through.
 */
const EDITED_DECISION = /^Approved by [^(]*? with edited arguments /;
const EDITED_RUN = /^Approved with edited arguments by /;
/** …and for a held result's (services/approvals.ts `decidedDetails`): released or withheld, not approved or denied. */
const RESULT_DECISION = /^Result (released|withheld) by /;

/** What one step of a call means, in a reader's words: "waited 0:32 for alice", "ran 5 ms". */
export function stepNote(step: AuditEntry, previous: AuditEntry | undefined): string {
  const waited = previous ? age(previous.timestamp, Date.parse(step.timestamp)) : null;
  const status = step.status;
  if (status === 'PENDING')
    return step.approvalId != null ? `held for review (approval #${step.approvalId})` : 'held for review';
  if (status === 'APPROVED' || status === 'DENIED') {
    const result = step.source === 'person' ? RESULT_DECISION.exec(step.details)?.[1] : undefined;
    const verb = result ? `result ${result}` : status === 'APPROVED' ? 'approved' : 'denied';
    const edited = status === 'APPROVED' && step.source === 'person' && EDITED_DECISION.test(step.details) ? ' with edited arguments' : '';
    // "after 0:00" reads as a missing duration: a decision inside a second says so
    const after = waited === '0:00' ? ' within a second' : waited ? ` after ${waited}` : '';
    return `${verb} by ${step.actor ?? 'a reviewer'}${edited}${after}`;
  }
  if (status === 'TIMEOUT') return `no decision in time${waited ? ` (${waited})` : ''}`;
  if (status === 'ALLOWED') {
    const ran = step.durationMs != null ? `, ran ${Math.round(step.durationMs)} ms` : '';
    const outcome = step.outcome ? ` · ${step.outcome}` : '';
    const how = step.approvalId == null ? 'allowed' : step.source === 'server' && EDITED_RUN.test(step.details) ? 'ran with the edited arguments' : 'ran with the approval';
    return `${how}${ran}${outcome}`;
  }
  // Every other status speaks for itself in the entry's own words.
  return step.details;
}
