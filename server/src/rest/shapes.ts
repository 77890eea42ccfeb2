import { z } from 'zod';
import {
  agentStatus,
  approvalStatus,
  auditSource,
  auditStatus,
  riskLevel,
  ruleType,
  severity,
  type AgentSummary,
  type Approval,
  type ApprovalSummary,
  type AuditEntry,
} from '@aegis/shared';

/**
 * The seed's JSON shapes (snake_case keys, `"YYYY-MM-DD HH:MM:SS"` UTC times, integer ids) and
 * the mappers from our domain objects to them. Fields the seed did not have are extras a seed
 * client ignores; nothing the seed had is renamed or retyped.
 */

/** The seed's time format: UTC, second precision, a space instead of `T`. */
export const seedTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  .describe('UTC time, "YYYY-MM-DD HH:MM:SS"');

/** ISO-8601 (any offset) → the seed's `"YYYY-MM-DD HH:MM:SS"` in UTC. */
export function toSeedTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
}

function toSeedTimeOrNull(iso: string | null): string | null {
  return iso === null ? null : toSeedTime(iso);
}

export const okAnswer = z.object({ status: z.literal('ok') });

export const seedStats = z.object({
  registered_agents: z.number().int(),
  active_agents: z.number().int(),
  total_blocks_24h: z.number().int(),
  pending_approvals: z.number().int(),
  risk_level: riskLevel,
  counts: z.record(z.string(), z.number().int()).describe('Extra: audit entries per status'),
});

export const seedAgent = z.object({
  id: z.string().describe('"AGT-" + first 8 hex of sha256(name)'),
  name: z.string(),
  status: agentStatus,
  owner: z.string(),
  created_at: seedTime,
  risk_score: z.number().describe('blocked / total × 100, one decimal'),
  framework: z.string(),
  total_logs: z.number().int(),
  blocked_count: z.number().int(),
  allowed_count: z.number().int(),
  description: z.string().describe('Extra'),
  last_activity_at: seedTime.nullable().describe('Extra'),
});

export function toSeedAgent(a: AgentSummary): z.infer<typeof seedAgent> {
  return {
    id: a.id,
    name: a.name,
    status: a.status,
    owner: a.owner,
    created_at: toSeedTime(a.createdAt),
    risk_score: a.riskScore,
    framework: a.framework,
    total_logs: a.totalLogs,
    blocked_count: a.blockedCount,
    allowed_count: a.allowedCount,
    description: a.description,
    last_activity_at: toSeedTimeOrNull(a.lastActivityAt),
  };
}

export const seedEntry = z.object({
  id: z.number().int(),
  timestamp: seedTime,
  agent_name: z.string(),
  action: z.string(),
  status: auditStatus,
  severity,
  details: z.string(),
  source: auditSource.describe('Extra: who wrote it — server (a decision), agent (a report), person'),
  actor: z.string().nullable().describe('Extra: the person, or the key that sent the report'),
  call_id: z.string().nullable().describe('Extra: ties a decision to its outcome'),
  approval_id: z.number().int().nullable().describe('Extra'),
  args_preview: z.string().nullable().describe('Extra: arguments as JSON, sensitive values redacted'),
  outcome: z.enum(['ok', 'error']).nullable().describe('Extra'),
  duration_ms: z.number().nullable().describe('Extra'),
});

export function toSeedEntry(e: AuditEntry): z.infer<typeof seedEntry> {
  return {
    id: e.id,
    timestamp: toSeedTime(e.timestamp),
    agent_name: e.agent,
    action: e.action,
    status: e.status,
    severity: e.severity,
    details: e.details,
    source: e.source,
    actor: e.actor,
    call_id: e.callId,
    approval_id: e.approvalId,
    args_preview: e.argsPreview,
    outcome: e.outcome,
    duration_ms: e.durationMs,
  };
}

export const seedApproval = z.object({
  id: z.number().int(),
  agent_name: z.string(),
  action: z.string(),
  args_json: z.string().describe('The arguments as JSON, sensitive values masked (in lists cut short when long: see args_truncated)'),
  status: approvalStatus,
  created_at: seedTime,
  decided_at: seedTime.nullable(),
  decided_by: z.string().nullable().describe('Extra'),
  expires_at: seedTime.describe('Extra: a PENDING approval expires (a missing answer means DENY)'),
  args_truncated: z.boolean().describe('Extra: args_json was cut short (lists carry previews)'),
  rule: z.string().nullable().describe('Extra: the rule that held the call for review'),
  reason: z
    .string()
    .nullable()
    .describe("Extra: why the call was held, the rule's reason as the decision gave it (values masked); null on approvals from before it was kept"),
  detectors: z
    .array(z.string())
    .describe('Extra: the DLP detectors whose findings the rule read (a finding caused the review); names only, never values'),
  audit_id: z
    .number()
    .int()
    .nullable()
    .describe('Extra: the audit entry that recorded the REVIEW decision; null on approvals from before it was kept'),
});

export function toSeedApproval(a: Approval | ApprovalSummary): z.infer<typeof seedApproval> {
  const whole = 'args' in a;
  return {
    id: a.id,
    agent_name: a.agent,
    action: a.action,
    args_json: whole ? JSON.stringify(a.args) : a.argsPreview,
    args_truncated: whole ? false : a.argsTruncated,
    status: a.status,
    created_at: toSeedTime(a.createdAt),
    decided_at: toSeedTimeOrNull(a.decidedAt),
    decided_by: a.decidedBy,
    expires_at: toSeedTime(a.expiresAt),
    rule: a.rule ?? null,
    reason: a.reason ?? null,
    detectors: a.detectors ?? [],
    audit_id: a.auditId ?? null,
  };
}

export const seedPolicyLists = z.object({
  allowed: z.array(z.string()),
  blocked: z.array(z.string()),
  requires_review: z.array(z.string()),
});

export const seedRule = z.object({ action: z.string(), rule_type: ruleType });
