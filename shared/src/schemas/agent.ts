import { z } from 'zod';
import { agentName, isoTime } from './common';
import { auditStatus } from './audit';
import { agentLabels } from './policyRules';

export const agentStatus = z.enum(['ACTIVE', 'PAUSED']).describe('ACTIVE runs; PAUSED is the kill-switch');
export type AgentStatus = z.infer<typeof agentStatus>;

/** Why a person flipped the kill-switch; recorded with their name. */
export const statusReason = z
  .string()
  .max(500)
  .optional()
  .describe('Why (optional); recorded in the audit log with who did it');

/** The kill-switch: PAUSED refuses every call of the agent, ACTIVE lets its policy decide again. */
export const setAgentStatusInput = z.object({
  name: agentName,
  status: agentStatus,
  reason: statusReason,
});
export type SetAgentStatusInput = z.infer<typeof setAgentStatusInput>;

export const agent = z.object({
  name: agentName,
  status: agentStatus,
  owner: z.string().max(200),
  description: z.string().max(2000),
  framework: z.string().max(100).describe('Agent framework, e.g. langgraph'),
  labels: agentLabels.describe('Labels declared at registration (team: lending); rules select agents by them'),
  createdAt: isoTime,
});
export type Agent = z.infer<typeof agent>;

export const statusCounts = z
  .record(auditStatus, z.number().int().nonnegative())
  .describe('Audit entries per status');
export type StatusCounts = z.infer<typeof statusCounts>;

/** An agent as the dashboard lists it: the seed's computed risk score and counts. */
export const agentSummary = agent.extend({
  id: z.string().describe('"AGT-" + first 8 hex of sha256(name)'),
  riskScore: z.number().min(0).max(100).describe('blocked / total × 100, one decimal'),
  totalLogs: z.number().int().nonnegative(),
  blockedCount: z.number().int().nonnegative(),
  allowedCount: z.number().int().nonnegative(),
  counts: statusCounts,
  lastActivityAt: isoTime.nullable(),
});
export type AgentSummary = z.infer<typeof agentSummary>;

export const toolUsage = z.object({
  action: z.string(),
  count: z.number().int().nonnegative(),
  lastUsedAt: isoTime,
});
export type ToolUsage = z.infer<typeof toolUsage>;
