import { z } from 'zod';
import { actionName, agentName, isoTime, jsonObject, sequentialId } from './common';

export const approvalStatus = z.enum(['PENDING', 'APPROVED', 'DENIED', 'EXPIRED']);
export type ApprovalStatus = z.infer<typeof approvalStatus>;

export const approvalDecision = z.enum(['APPROVED', 'DENIED']);
export type ApprovalDecision = z.infer<typeof approvalDecision>;

export const approval = z.object({
  id: sequentialId,
  agent: agentName,
  action: actionName,
  args: jsonObject.describe('Arguments, sensitive values masked unless revealed'),
  policyVersion: z.number().int().nonnegative(),
  callId: z.string().nullable(),
  status: approvalStatus,
  createdAt: isoTime,
  expiresAt: isoTime,
  decidedAt: isoTime.nullable(),
  decidedBy: z.string().nullable(),
  consumedAt: isoTime.nullable().describe('When the approved call used it; approvals are single-use'),
});
export type Approval = z.infer<typeof approval>;

export const decideApprovalInput = z.object({
  id: sequentialId,
  decision: approvalDecision,
  remember: z
    .boolean()
    .default(false)
    .describe('Also make it a standing rule: APPROVED → ALLOW, DENIED → BLOCK'),
});
export type DecideApprovalInput = z.input<typeof decideApprovalInput>;
