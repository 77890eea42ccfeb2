import { Schema, type Connection, type Model } from 'mongoose';
import type { ApprovalKind, ApprovalStatus, CallFinding } from '@aegis/shared';

export interface ApprovalDoc {
  id: number;
  /** Absent on approvals from before result review existed: those are 'call'. */
  kind?: ApprovalKind;
  /** DLP findings of the call (and of its result, for kind 'result'); never values. */
  findings?: CallFinding[];
  /** kind 'result': the held result as masked JSON. The raw result stays with the agent. */
  resultPreview?: string | null;
  agent: string;
  action: string;
  /** The raw arguments; only `approvals.reveal` hands them out unmasked. */
  args: Record<string, unknown>;
  /** HMAC-SHA256 of the canonical arguments under the installation key (services/args.ts); never sent out. */
  argsHash: string;
  policyVersion: number;
  /**
   * The rule that asked for the review, `scope:id@version` (services/args.ts `reviewRuleKey`):
   * redeemed only while that rule still decides the review. Absent on held results' approvals
   * (and on approvals from before it was bound: they can't be redeemed).
   */
  reviewRule?: string;
  callId: string | null;
  status: ApprovalStatus;
  createdAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  /** The decider's note (optional). */
  comment?: string | null;
  consumedAt: Date | null;
  /** When the agent's SDK was first told this approval is DENIED (find-approval reports it once). */
  refusalReadAt?: Date | null;
  /** Review by interrupt: the LangGraph run paused on this approval, and when it was resumed. */
  run: PausedRun | null;
  /** Issue 23: where the deciding answer came from ("dashboard", "api", a channel name). */
  decidedVia?: string | null;
  /** The rule that opened it, and what it asked for: channels, quorum, SLA and escalation. */
  rule?: string | null;
  /**
   * Why it was held: the deciding rule's reason as the decision gave it (masked like the audit
   * entry's), and the DLP detectors whose findings that rule read — names, never values.
   */
  reason?: string;
  detectors?: string[];
  /** The audit entry that recorded the REVIEW decision that opened it (set right after it is written). */
  auditId?: number | null;
  notify?: string[];
  quorum?: number;
  /** Approvals so far from distinct people (quorum > 1). */
  votes?: ApprovalVote[];
  /** When the SLA lapses; the escalation sweep claims it once (escalatedAt), whichever server runs it. */
  escalateAt?: Date | null;
  escalatedAt?: Date | null;
  escalateTo?: string[];
  /** Approved with changed arguments: the agent runs these instead (the binding is the original call's). */
  editedArgs?: Record<string, unknown> | null;
  /**
   * Asked (or waited on) over the seed's POST /sdk/approval: its client polls for APPROVED and
   * runs the arguments it asked with, so it can't be handed edited arguments — none are accepted.
   */
  seedClient?: boolean;
  /**
   * Callers of the same call that joined this open approval after the one that opened it, less
   * those that gave up since: a caller whose wait ends expires the approval only when none is left.
   */
  joined?: number;
  /**
   * The notification links (e-mail, Slack) used on it, `<nonce>:<person>`: each added by the
   * update that records its vote or decision, so a link is used once and only by a decision.
   */
  linkUses?: string[];
}

export interface ApprovalVote {
  by: string;
  /**
   * `by` as one identity (see voterIdentity): a quorum counts one vote per `who`. Absent on votes
   * stored before it existed, which count by `by` alone.
   */
  who?: string;
  via: string;
  at: Date;
}

export interface PausedRun {
  threadId: string;
  toolCallId: string;
  pausedAt: Date;
  resumedAt: Date | null;
}

const approvalSchema = new Schema<ApprovalDoc>(
  {
    id: { type: Number, required: true },
    agent: { type: String, required: true },
    action: { type: String, required: true },
    args: { type: Schema.Types.Mixed, default: {} },
    argsHash: { type: String, required: true },
    policyVersion: { type: Number, required: true },
    reviewRule: { type: String },
    callId: { type: String, default: null },
    status: { type: String, enum: ['PENDING', 'APPROVED', 'DENIED', 'EXPIRED'], required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    decidedAt: { type: Date, default: null },
    decidedBy: { type: String, default: null },
    comment: { type: String, default: null },
    consumedAt: { type: Date, default: null },
    refusalReadAt: { type: Date, default: null },
    kind: { type: String, enum: ['call', 'result'] },
    findings: { type: [Schema.Types.Mixed], default: undefined },
    resultPreview: { type: String },
    run: { type: Schema.Types.Mixed, default: null },
    decidedVia: { type: String },
    rule: { type: String },
    reason: { type: String },
    detectors: { type: [String], default: undefined },
    auditId: { type: Number },
    notify: { type: [String], default: undefined },
    quorum: { type: Number },
    votes: { type: [Schema.Types.Mixed], default: undefined },
    escalateAt: { type: Date },
    escalatedAt: { type: Date },
    escalateTo: { type: [String], default: undefined },
    editedArgs: { type: Schema.Types.Mixed },
    seedClient: { type: Boolean },
    joined: { type: Number },
    linkUses: { type: [String], default: undefined },
  },
  { collection: 'approvals', versionKey: false, autoIndex: false, minimize: false },
);
approvalSchema.index({ id: 1 }, { unique: true });
approvalSchema.index({ status: 1, id: -1 });
approvalSchema.index({ agent: 1, action: 1, id: -1 });
approvalSchema.index({ agent: 1, action: 1, argsHash: 1, status: 1 });
// The open approvals of one agent, counted before opening another (AEGIS_MAX_PENDING_APPROVALS).
approvalSchema.index({ agent: 1, status: 1, expiresAt: 1 });
approvalSchema.index({ escalateAt: 1 }, { sparse: true });
approvalSchema.index({ 'run.threadId': 1, 'run.toolCallId': 1, id: -1 }, { sparse: true });

export function approvalModel(conn: Connection): Model<ApprovalDoc> {
  return (
    (conn.models.Approval as Model<ApprovalDoc> | undefined) ??
    conn.model<ApprovalDoc>('Approval', approvalSchema)
  );
}
