import { z } from 'zod';
import { sequentialId } from './common';
import { approval } from './approval';
import { auditEntry } from './audit';

/**
 * Everything the dashboard shows about one audit entry: the entry, the other entries of the same
 * call (its decision, the person's decision on its approval, the call the approval let through,
 * the outcome) oldest first, the approval, and the agent's entries just before and after.
 */
export const auditDetail = z.object({
  entry: auditEntry,
  trace: z
    .array(auditEntry)
    .describe('Entries sharing the call id or approval id, oldest first (the entry included)'),
  approval: approval.nullable(),
  policyVersion: z
    .number()
    .int()
    .nullable()
    .describe("The agent's policy version the decision was made under, where known"),
  before: z.array(auditEntry).describe("The agent's entries just before this one, newest first"),
  after: z.array(auditEntry).describe("The agent's entries just after this one, oldest first"),
});
export type AuditDetail = z.infer<typeof auditDetail>;

export const auditDetailInput = z.object({ id: sequentialId });
