import { Schema, type Connection, type Model } from 'mongoose';
import type { CallOutcome, ResultEffect, ScanFinding } from '@aegis/shared';

/**
 * A record of the outcome chain (`audit_outcomes`): a call's outcome as it was recorded on its
 * audit entry, chained like the audit log itself (see shared outcomeHash.ts for what is hashed).
 */
export interface AuditOutcomeDoc {
  id: number;
  entryId: number;
  entryHash: string;
  outcome: CallOutcome;
  durationMs: number | null;
  resultFindings: ScanFinding[] | null;
  resultEffect: ResultEffect | null;
  timestamp: string;
  prevHash: string | null;
  hash: string;
  /** Sealed on recovery from the entry as stored (hashed when set; see sealRecovery.ts). */
  recovered?: true;
}

const auditOutcomeSchema = new Schema<AuditOutcomeDoc>(
  {
    id: { type: Number, required: true },
    entryId: { type: Number, required: true },
    entryHash: { type: String, required: true },
    outcome: { type: String, required: true },
    durationMs: { type: Number, default: null },
    resultFindings: { type: [Schema.Types.Mixed], default: null },
    resultEffect: { type: String, default: null },
    timestamp: { type: String, required: true },
    prevHash: { type: String, default: null },
    hash: { type: String, required: true },
    recovered: { type: Boolean },
  },
  { collection: 'audit_outcomes', versionKey: false, autoIndex: false },
);
// The compare-and-swap of the chain (see ChainAppender).
auditOutcomeSchema.index({ id: -1 }, { unique: true });
// One record per entry: two servers sealing the same call cannot both append; the verifier joins
// records to entries in entry order through it.
auditOutcomeSchema.index({ entryId: 1 }, { unique: true });

export function auditOutcomeModel(conn: Connection): Model<AuditOutcomeDoc> {
  return (
    (conn.models.AuditOutcome as Model<AuditOutcomeDoc> | undefined) ??
    conn.model<AuditOutcomeDoc>('AuditOutcome', auditOutcomeSchema)
  );
}
