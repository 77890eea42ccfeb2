import {
  argsDiff,
  argsPointer,
  displayKey,
  redactSensitive,
  summarizeApproval,
  tagFindings,
  type AuditSource,
  type CallFinding,
  type AuditStatus,
  severityOf,
  type Agent,
  type Approval,
  type ApprovalSummary,
  type AuditEntry,
  type PolicyProposal,
  type PolicyRule,
} from '@aegis/shared';
import type { AgentDoc } from '../models/agent.model';
import type { ApprovalDoc } from '../models/approval.model';
import type { AuditDoc } from '../models/audit.model';
import type { PolicyDoc } from '../models/policy.model';
import type { ProposalDoc } from '../models/proposal.model';

/** Stored documents → the shared zod shapes (ISO strings for dates, no mongoose internals). */

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();
const isoOrNull = (d: Date | string | null | undefined) => (d ? iso(d) : null);

export function toAgent(doc: AgentDoc): Agent {
  return {
    name: doc.name,
    status: doc.status,
    owner: doc.owner ?? '',
    description: doc.description ?? '',
    framework: doc.framework ?? 'typescript',
    labels: doc.labels ?? {},
    createdAt: iso(doc.createdAt),
  };
}

export function toPolicyRule(doc: PolicyDoc): PolicyRule {
  return { agent: doc.agent, action: doc.action, rule: doc.rule, updatedAt: iso(doc.updatedAt) };
}

/** Entries from before `source` was stored: people decided approvals and revealed; the rest was the server's. */
export function sourceOf(doc: { source?: AuditSource; status: AuditStatus }): AuditSource {
  if (doc.source) return doc.source;
  return doc.status === 'REVEALED' || doc.status === 'APPROVED' || doc.status === 'DENIED'
    ? 'person'
    : 'server';
}

export function toAuditEntry(doc: AuditDoc): AuditEntry {
  return {
    id: doc.id,
    timestamp: iso(doc.timestamp),
    agent: doc.agent,
    action: doc.action,
    status: doc.status,
    severity: severityOf(doc.status),
    source: sourceOf(doc),
    actor: doc.actor ?? null,
    details: doc.details ?? '',
    callId: doc.callId ?? null,
    approvalId: doc.approvalId ?? null,
    argsPreview: doc.argsPreview ?? null,
    ...findingsOf(doc),
    rule: doc.rule ?? null,
    ...(doc.channel ? { channel: doc.channel } : {}),
    ...(doc.upstream ? { upstream: doc.upstream } : {}),
    ...(doc.upstreamTool ? { upstreamTool: doc.upstreamTool } : {}),
    ...(doc.runId ? { runId: doc.runId } : {}),
    // Hashed fields, so a reader can recompute the entry's hash.
    ...(doc.callArgsHash ? { callArgsHash: doc.callArgsHash } : {}),
    ...(doc.outcomeSealed === true ? { outcomeSealed: true as const } : {}),
    outcome: doc.outcome ?? null,
    durationMs: doc.durationMs ?? null,
    prevHash: doc.prevHash ?? null,
    hash: doc.hash ?? null,
  };
}

/** Findings of both sides, tagged; absent when DLP found nothing (most entries). */
function findingsOf(doc: AuditDoc): Pick<AuditEntry, 'findings' | 'resultEffect' | 'argsRedacted'> {
  const out: Pick<AuditEntry, 'findings' | 'resultEffect' | 'argsRedacted'> = {};
  const findings: CallFinding[] = [...tagFindings('args', doc.findings ?? []), ...tagFindings('result', doc.resultFindings ?? [])];
  if (findings.length) out.findings = findings;
  if (doc.resultEffect) out.resultEffect = doc.resultEffect;
  if (doc.argsRedacted) out.argsRedacted = true;
  return out;
}

/** Approvals leave the repo with sensitive argument values masked; `reveal` reads the raw doc. */
export function toApproval(doc: ApprovalDoc): Approval {
  return { ...approvalFields(doc), args: redactSensitive(doc.args ?? {}) as Record<string, unknown> };
}

/** An approval for lists and events: a masked preview of the arguments (see summarizeApproval). */
export function toApprovalSummary(doc: ApprovalDoc): ApprovalSummary {
  return summarizeApproval(toApproval(doc));
}

function approvalFields(doc: ApprovalDoc): Omit<Approval, 'args'> {
  return {
    ...notificationFields(doc),
    id: doc.id,
    agent: doc.agent,
    action: doc.action,
    policyVersion: doc.policyVersion,
    callId: doc.callId ?? null,
    status: doc.status,
    createdAt: iso(doc.createdAt),
    expiresAt: iso(doc.expiresAt),
    decidedAt: isoOrNull(doc.decidedAt),
    decidedBy: doc.decidedBy ?? null,
    ...(doc.comment ? { comment: doc.comment } : {}),
    consumedAt: isoOrNull(doc.consumedAt),
    kind: doc.kind ?? 'call',
    ...(doc.findings?.length ? { findings: doc.findings } : {}),
    ...(doc.kind === 'result' ? { resultPreview: doc.resultPreview ?? null } : {}),
    pausedRun: doc.run
      ? {
          threadId: doc.run.threadId,
          toolCallId: doc.run.toolCallId,
          pausedAt: iso(doc.run.pausedAt),
          resumedAt: isoOrNull(doc.run.resumedAt),
        }
      : null,
  };
}

export function toProposal(doc: ProposalDoc): PolicyProposal {
  return {
    id: doc.id,
    agent: doc.agent,
    changes: doc.changes.map((c) => ({ action: c.action, from: c.from ?? null, to: c.to ?? null })),
    status: doc.status,
    proposedBy: doc.proposedBy,
    baseVersion: doc.baseVersion,
    createdAt: iso(doc.createdAt),
    decidedAt: isoOrNull(doc.decidedAt),
    decidedBy: doc.decidedBy ?? null,
  };
}

/** Issue 23's fields, present only on approvals that use them. */
function notificationFields(doc: ApprovalDoc): Partial<Approval> {
  return {
    ...(doc.decidedVia ? { decidedVia: doc.decidedVia } : {}),
    ...(doc.rule ? { rule: doc.rule } : {}),
    ...(doc.reason ? { reason: doc.reason } : {}),
    ...(doc.detectors?.length ? { detectors: doc.detectors } : {}),
    ...(doc.auditId ? { auditId: doc.auditId } : {}),
    ...(doc.quorum && doc.quorum > 1 ? { quorum: doc.quorum, votes: (doc.votes ?? []).map((v) => ({ by: v.by, via: v.via, at: iso(v.at) })) } : {}),
    ...(doc.escalateTo?.length ? { escalatedTo: doc.escalateTo, escalatedAt: isoOrNull(doc.escalatedAt ?? null) } : {}),
    ...(doc.seedClient ? { seedClient: true } : {}),
    ...(doc.editedArgs
      ? { editedArgs: redactSensitive(doc.editedArgs) as Record<string, unknown>, edits: editsOf(doc.args ?? {}, doc.editedArgs) }
      : {}),
  };
}

/**
 * What the reviewer changed, found on the real values — masked, two card numbers ending in the
 * same digits look alike — and named by paths whose keys are masked as in findings.
 */
function editsOf(args: Record<string, unknown>, edited: Record<string, unknown>): Approval['edits'] {
  return argsDiff(args, edited).map((c) => ({ path: argsPointer(c.path, displayKey), change: c.change }));
}

/**
 * The identity a quorum counts once: the name case-folded (and NFKC-normalised). An e-mail
 * address is one mailbox however its letters were typed on each channel, and two spellings of
 * one key name are one person as far as Aegis can tell; folding can only ask for more people.
 */
export function voterIdentity(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}
