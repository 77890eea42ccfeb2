import { Schema, type Connection, type Model } from 'mongoose';
import type { GovernanceRule, Severity4 } from '@aegis/shared';

/** A governance rule applied by a person (`aegis governance apply -f`); built-ins live in code. */
export interface GovernanceRuleDoc {
  id: string;
  rule: GovernanceRule;
  appliedBy: string;
  updatedAt: Date;
}

export interface ViolationAck {
  by: string;
  reason: string;
  at: Date;
  expiresAt: Date;
}

/** One rule failing for one agent (and tool): kept with first/last seen, resolved when it passes. */
export interface ViolationDoc {
  key: string;
  ruleId: string;
  agent: string;
  tool: string | null;
  severity: Severity4;
  title: string;
  explanation: string;
  explanationSource: 'template' | 'gemini';
  remediation: string;
  status: 'OPEN' | 'RESOLVED';
  firstSeen: Date;
  lastSeen: Date;
  resolvedAt: Date | null;
  ack: ViolationAck | null;
}

const ruleSchema = new Schema<GovernanceRuleDoc>(
  {
    id: { type: String, required: true },
    rule: { type: Schema.Types.Mixed, required: true },
    appliedBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'governance_rules', versionKey: false, autoIndex: false, minimize: false },
);
ruleSchema.index({ id: 1 }, { unique: true });

const violationSchema = new Schema<ViolationDoc>(
  {
    key: { type: String, required: true },
    ruleId: { type: String, required: true },
    agent: { type: String, required: true },
    tool: { type: String, default: null },
    severity: { type: String, required: true },
    title: { type: String, required: true },
    explanation: { type: String, required: true },
    explanationSource: { type: String, required: true },
    remediation: { type: String, default: '' },
    status: { type: String, enum: ['OPEN', 'RESOLVED'], required: true },
    firstSeen: { type: Date, required: true },
    lastSeen: { type: Date, required: true },
    resolvedAt: { type: Date, default: null },
    ack: { type: Schema.Types.Mixed, default: null },
  },
  { collection: 'governance_violations', versionKey: false, autoIndex: false, minimize: false },
);
violationSchema.index({ key: 1 }, { unique: true });
violationSchema.index({ status: 1, agent: 1 });

export function governanceRuleModel(conn: Connection): Model<GovernanceRuleDoc> {
  return (
    (conn.models.GovernanceRule as Model<GovernanceRuleDoc> | undefined) ??
    conn.model<GovernanceRuleDoc>('GovernanceRule', ruleSchema)
  );
}

export function violationModel(conn: Connection): Model<ViolationDoc> {
  return (
    (conn.models.GovernanceViolation as Model<ViolationDoc> | undefined) ??
    conn.model<ViolationDoc>('GovernanceViolation', violationSchema)
  );
}
