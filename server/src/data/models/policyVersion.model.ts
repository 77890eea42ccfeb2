import { Schema, type Connection, type Model } from 'mongoose';
import type { RuleType } from '@aegis/shared';
import type { RuleSource } from './policy.model';

/**
 * An agent's whole policy as it was at one version: what a report claiming that version is
 * checked against (a local-mode SDK decides with the snapshot it has, which may be older).
 */
export interface PolicyVersionDoc {
  agent: string;
  version: number;
  rules: Array<{ action: string; rule: RuleType; source: RuleSource }>;
  at: Date;
}

const policyVersionSchema = new Schema<PolicyVersionDoc>(
  {
    agent: { type: String, required: true },
    version: { type: Number, required: true },
    rules: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'policy_versions', versionKey: false, autoIndex: false, minimize: false },
);
policyVersionSchema.index({ agent: 1, version: -1 }, { unique: true });

export function policyVersionModel(conn: Connection): Model<PolicyVersionDoc> {
  return (
    (conn.models.PolicyVersion as Model<PolicyVersionDoc> | undefined) ??
    conn.model<PolicyVersionDoc>('PolicyVersion', policyVersionSchema)
  );
}
