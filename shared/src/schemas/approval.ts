import { z } from 'zod';
import { callFinding } from '../dlp/types';
import { revealHidden } from '../visibleText';
import { actionName, agentName, isoTime, jsonObject, sequentialId, toolArgs } from './common';

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
  comment: z.string().nullable().optional().describe("The decider's note, if they left one"),
  consumedAt: isoTime.nullable().describe('When the approved call used it; approvals are single-use'),
  findings: z.array(callFinding).optional().describe('What DLP found in the arguments (and, for a held result, the result)'),
  resultPreview: z
    .string()
    .nullable()
    .optional()
    .describe('kind "result": the held result as JSON with every DLP match masked (the raw result never leaves the agent)'),
  pausedRun: z
    .object({
      threadId: z.string(),
      toolCallId: z.string(),
      pausedAt: isoTime,
      resumedAt: isoTime.nullable(),
    })
    .nullable()
    .describe('The LangGraph run paused on this approval (review by interrupt), and when it resumed'),
  decidedVia: z
    .string()
    .nullable()
    .optional()
    .describe('Where the deciding answer came from: "dashboard", "api" or the notification channel'),
  rule: z.string().nullable().optional().describe('The rule that opened the approval'),
  reason: z
    .string()
    .optional()
    .describe(
      "Why the call was held: the deciding rule's reason as the decision gave it (sensitive values masked as in the audit entry). Absent on approvals opened before it was kept",
    ),
  detectors: z
    .array(z.string())
    .optional()
    .describe('The DLP detectors whose findings the deciding rule read (a finding caused the review): names only, never values'),
  auditId: sequentialId
    .nullable()
    .optional()
    .describe('The audit entry that recorded the REVIEW decision (the dashboard shows it at /activity/<id>); absent on older approvals'),
  quorum: z.number().int().min(1).optional().describe('Approvals from distinct people needed'),
  votes: z
    .array(z.object({ by: z.string(), via: z.string(), at: isoTime }))
    .optional()
    .describe('Who approved so far (quorum rules)'),
  escalatedAt: isoTime.nullable().optional().describe('When the SLA lapsed and the next tier was told'),
  escalatedTo: z.array(z.string()).optional().describe('Channels told when the SLA lapses'),
  editedArgs: jsonObject
    .nullable()
    .optional()
    .describe('Approved with changed arguments: what the agent runs instead (masked like args)'),
  seedClient: z
    .boolean()
    .optional()
    .describe(
      'Asked (or waited on) over the seed REST protocol (POST /sdk/approval): its client runs the arguments it asked with, so it takes no edited arguments',
    ),
  edits: z
    .array(
      z.object({
        path: z
          .string()
          .describe('JSON pointer to the field; keys that hold data are masked as in findings'),
        change: z.enum(['changed', 'added', 'removed']),
      }),
    )
    .optional()
    .describe(
      'With editedArgs: the fields the reviewer changed, found on the real values (two masked values can look alike where they differ)',
    ),
});
export type Approval = z.infer<typeof approval>;

/**
 * An approval as lists and live events carry it: the arguments as a masked preview, cut short
 * when long. The whole (masked) arguments come from the detail call (`approvals.byId`).
 */
export const approvalSummary = approval.omit({ args: true }).extend({
  argsPreview: z.string().describe('Canonical JSON of the arguments, sensitive values masked'),
  argsTruncated: z.boolean().describe('The preview was cut; approvals.byId has all of it'),
});
export type ApprovalSummary = z.infer<typeof approvalSummary>;

/** How much of the arguments a list item or a live event carries. */
export const SUMMARY_PREVIEW_CHARS = 2000;

/**
 * The list/event form of an approval (its arguments already masked): a preview in the caller's key
 * order, like the detail call's — every own key, `__proto__` too (masked copies keep it as an own key).
 */
export function summarizeApproval(approval: Approval): ApprovalSummary {
  const { args, ...fields } = approval;
  // Hidden and direction-changing characters as JSON escapes: the same value, but a reviewer
  // reading the text sees `\u202e` where a raw U+202E would reorder what they read.
  const json = revealHidden(JSON.stringify(args));
  const argsTruncated = json.length > SUMMARY_PREVIEW_CHARS;
  return {
    ...fields,
    argsPreview: argsTruncated ? `${json.slice(0, SUMMARY_PREVIEW_CHARS)}…` : json,
    argsTruncated,
  };
}

/** A page of a list: at most `limit` (default 50, max 200), older than `cursor` (an id). */
export const listPage = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.number().int().positive().optional().describe('Return items with id below this'),
});

export const decideApprovalInput = z.object({
  id: sequentialId,
  decision: approvalDecision,
  remember: z
    .boolean()
    .default(false)
    .describe('Also make it a standing rule: APPROVED → ALLOW, DENIED → BLOCK'),
  comment: z.string().trim().max(500).optional().describe('Why: kept on the approval and in the audit entry of the decision'),
  editedArgs: toolArgs
    .optional()
    .describe(
      "Admins: approve with these arguments instead; the agent runs the edited call, once. Not on a held result, a standing rule or a quorum rule's approval; AEGIS_MAX_ARGS_BYTES applies as to a call",
    ),
});
export type DecideApprovalInput = z.input<typeof decideApprovalInput>;
