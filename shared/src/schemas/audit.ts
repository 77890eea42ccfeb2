import { z } from 'zod';
import { actionName, agentName, isoTime, sequentialId } from './common';

export const auditStatus = z.enum([
  'ALLOWED',
  'BLOCKED',
  'KILLED',
  'PENDING',
  'APPROVED',
  'DENIED',
  'TIMEOUT',
  'ERROR',
  'REVEALED',
]);
export type AuditStatus = z.infer<typeof auditStatus>;

/**
 * REVEALED records something a person did about an agent (an admin unmasking an approval's
 * arguments), not a call of the agent: it stays in the audit trail but is left out of the agent's
 * totals and risk score, and no SDK or seed client may log it.
 */
export function isCallStatus(status: AuditStatus): boolean {
  return status !== 'REVEALED';
}

/** The statuses an SDK or seed client may log itself. */
export const loggableStatus = auditStatus.exclude(['REVEALED']);

export const severity = z.enum(['success', 'failure', 'critical', 'warning', 'info']);
export type Severity = z.infer<typeof severity>;

export const callOutcome = z.enum(['ok', 'error']);
export type CallOutcome = z.infer<typeof callOutcome>;

export const auditEntry = z.object({
  id: sequentialId,
  timestamp: isoTime,
  agent: agentName,
  action: z.string(),
  status: auditStatus,
  severity,
  details: z.string(),
  callId: z.string().nullable(),
  approvalId: z.number().int().nullable(),
  argsPreview: z.string().nullable().describe('Arguments as JSON, sensitive values redacted'),
  outcome: callOutcome.nullable(),
  durationMs: z.number().nonnegative().nullable(),
  prevHash: z.string().nullable(),
  hash: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditQuery = z.object({
  agent: agentName.optional(),
  status: z.array(auditStatus).max(auditStatus.options.length).optional(),
  action: actionName.optional(),
  search: z.string().max(200).optional().describe('Substring of action or details'),
  from: isoTime.optional(),
  to: isoTime.optional(),
  cursor: z.number().int().positive().optional().describe('Return entries with id below this'),
  limit: z.number().int().min(1).max(500).default(50),
});
export type AuditQuery = z.infer<typeof auditQuery>;

export const auditPage = z.object({
  entries: z.array(auditEntry),
  nextCursor: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof auditPage>;

/** The seed's severity mapping. */
export function severityOf(status: AuditStatus): Severity {
  switch (status) {
    case 'ALLOWED':
    case 'APPROVED':
      return 'success';
    case 'BLOCKED':
    case 'DENIED':
    case 'TIMEOUT':
      return 'failure';
    case 'KILLED':
      return 'critical';
    case 'PENDING':
      return 'warning';
    case 'ERROR':
    case 'REVEALED':
      return 'info';
  }
}
