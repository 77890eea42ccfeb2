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
  },
  { collection: 'approvals', versionKey: false, autoIndex: false, minimize: false },
);
approvalSchema.index({ id: 1 }, { unique: true });
approvalSchema.index({ status: 1, id: -1 });
approvalSchema.index({ agent: 1, action: 1, id: -1 });
approvalSchema.index({ agent: 1, action: 1, argsHash: 1, status: 1 });
approvalSchema.index({ 'run.threadId': 1, 'run.toolCallId': 1, id: -1 }, { sparse: true });

export function approvalModel(conn: Connection): Model<ApprovalDoc> {
  return (
    (conn.models.Approval as Model<ApprovalDoc> | undefined) ??
    conn.model<ApprovalDoc>('Approval', approvalSchema)
  );
}
