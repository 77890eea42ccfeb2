import { Schema, type Connection, type Model } from 'mongoose';
import type { AgentStatus } from '@aegis/shared';

export interface AgentDoc {
  name: string;
  status: AgentStatus;
  owner: string;
  description: string;
  framework: string;
  /** Declared at registration; global rules select agents by them (missing on older documents). */
  labels?: Record<string, string>;
  /** Bumped on every rule change; approvals are bound to the version they were created under. */
  policyVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

const agentSchema = new Schema<AgentDoc>(
  {
    name: { type: String, required: true },
    status: { type: String, enum: ['ACTIVE', 'PAUSED'], required: true, default: 'ACTIVE' },
    owner: { type: String, default: '' },
    description: { type: String, default: '' },
    framework: { type: String, default: 'typescript' },
    labels: { type: Schema.Types.Mixed, default: undefined },
    policyVersion: { type: Number, required: true, default: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'agents', versionKey: false, autoIndex: false },
);
agentSchema.index({ name: 1 }, { unique: true });

export function agentModel(conn: Connection): Model<AgentDoc> {
  return (
    (conn.models.Agent as Model<AgentDoc> | undefined) ?? conn.model<AgentDoc>('Agent', agentSchema)
  );
}
