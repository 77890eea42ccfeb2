import { Schema, type Connection, type Model } from 'mongoose';
import type { RuleType } from '@aegis/shared';

/**
 * Where a rule came from. Re-registering an agent from code replaces its `code` rules (so a rule
 * deleted from code stops applying) but keeps `reviewer` rules a person promoted from the queue.
 */
export type RuleSource = 'code' | 'reviewer';

export interface PolicyDoc {
  agent: string;
  action: string;
  rule: RuleType;
  source: RuleSource;
  updatedAt: Date;
}

const policySchema = new Schema<PolicyDoc>(
  {
    agent: { type: String, required: true },
    action: { type: String, required: true },
    rule: { type: String, enum: ['ALLOW', 'BLOCK', 'REVIEW'], required: true },
    source: { type: String, enum: ['code', 'reviewer'], required: true, default: 'code' },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'policies', versionKey: false, autoIndex: false },
);
policySchema.index({ agent: 1, action: 1 }, { unique: true });

export function policyModel(conn: Connection): Model<PolicyDoc> {
  return (
    (conn.models.Policy as Model<PolicyDoc> | undefined) ??
    conn.model<PolicyDoc>('Policy', policySchema)
  );
}
