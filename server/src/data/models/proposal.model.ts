import { Schema, type Connection, type Model } from 'mongoose';
import type { ProposalStatus, RuleChange } from '@aegis/shared';

export interface ProposalDoc {
  id: number;
  agent: string;
  changes: RuleChange[];
  status: ProposalStatus;
  proposedBy: string;
  baseVersion: number;
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
}

const proposalSchema = new Schema<ProposalDoc>(
  {
    id: { type: Number, required: true },
    agent: { type: String, required: true },
    changes: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: ['PENDING', 'ACCEPTED', 'REJECTED', 'SUPERSEDED'], required: true },
    proposedBy: { type: String, required: true },
    baseVersion: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    decidedAt: { type: Date, default: null },
    decidedBy: { type: String, default: null },
  },
  { collection: 'policy_proposals', versionKey: false, autoIndex: false, minimize: false },
);
proposalSchema.index({ id: 1 }, { unique: true });
proposalSchema.index({ agent: 1, id: -1 });
proposalSchema.index({ status: 1, id: -1 });

export function proposalModel(conn: Connection): Model<ProposalDoc> {
  return (
    (conn.models.PolicyProposal as Model<ProposalDoc> | undefined) ??
    conn.model<ProposalDoc>('PolicyProposal', proposalSchema)
  );
}
