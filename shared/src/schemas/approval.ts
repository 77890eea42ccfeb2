import { z } from 'zod';
import { callFinding } from '../dlp/types';
import { actionName, agentName, isoTime, jsonObject, sequentialId } from './common';

export const approvalStatus = z.enum(['PENDING', 'APPROVED', 'DENIED', 'EXPIRED']);
export type ApprovalStatus = z.infer<typeof approvalStatus>;

export const approvalDecision = z.enum(['APPROVED', 'DENIED']);
export type ApprovalDecision = z.infer<typeof approvalDecision>;

export const approvalKind = z
  .enum(['call', 'result'])
  .describe('"call": may this call run? "result": may this result (held by an on: result rule) reach the agent?');
export type ApprovalKind = z.infer<typeof approvalKind>;

export const approval = z.object({
  id: sequentialId,
  kind: approvalKind,
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
  findings: z.array(callFinding).optional().describe('What DLP found in the arguments (and, for a held result, the result)'),
  resultPreview: z
    .string()
    .nullable()
    .optional()
    .describe('kind "result": the held result as JSON with every DLP match masked (the raw result never leaves the agent)'),
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
