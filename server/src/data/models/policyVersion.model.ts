import { Schema, type Connection, type Model } from 'mongoose';
import type { RuleType } from '@aegis/shared';
import type { RuleSource } from './policy.model';

/** `agent` of the global policy's versions (no agent name can be "*"). */
export const GLOBAL_POLICY = '*';

/**
 * A policy as it was at one version, immutable: an agent's seed lists and rule document, or (agent
 * "*") the global rule document. What a report claiming that version is checked against (a
 * local-mode SDK decides with the snapshot it has, which may be older), what `policy history`
 * lists and what a rollback restores.
 */
export interface PolicyVersionDoc {
  agent: string;
  version: number;
  rules: Array<{ action: string; rule: RuleType; source: RuleSource }>;
  /**
   * The rule document in force at this version, as JSON (null: lists only; absent on older
   * versions). A string, because label keys may hold "." and "/", which field names can't.
   */
  documentJson?: string | null;
  /**
   * The tags the agent had declared per tool at this version (what rules saw on every call of the
   * tool); absent on versions recorded before declared tags counted.
   */
  toolTags?: Array<{ tool: string; tags: string[] }> | null;
  /** The person who made this version; null for the agent's code. */
  author?: string | null;
  message?: string | null;
  at: Date;
}

const policyVersionSchema = new Schema<PolicyVersionDoc>(
  {
    agent: { type: String, required: true },
    version: { type: Number, required: true },
    rules: { type: Schema.Types.Mixed, required: true },
    documentJson: { type: String, default: null },
    toolTags: { type: Schema.Types.Mixed, default: null },
    author: { type: String, default: null },
    message: { type: String, default: null },
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
