import { z } from 'zod';
import { callFinding } from '../dlp/types';
import { actionName, agentName, isoTime, sequentialId } from './common';
import { resultEffect } from './policyRules';
import { decidingRule } from './policyRules';

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
  'VIOLATION',
  'PAUSED',
  'RESUMED',
  'POLICY',
  'ACCESS',
  'RESET',
]);
export type AuditStatus = z.infer<typeof auditStatus>;

/**
 * Who wrote an entry: `server` — a decision the server made (or its alert about an agent);
 * `agent` — a report an agent sent (`sdk.log`, `sdk.recordBatch`, an outcome), checked against
 * what its policy allowed; `person` — something a person did (approvals, kill-switch, policy,
 * keys, sign-in, demo reset).
 */
export const auditSource = z.enum(['server', 'agent', 'person']);
export type AuditSource = z.infer<typeof auditSource>;

/**
 * Statuses that record something other than an agent's call: people's actions (REVEALED, PAUSED,
 * RESUMED, POLICY, ACCESS, RESET) and the server's alerts (VIOLATION). They stay in the audit
 * trail but count towards no agent's totals or risk, and no SDK or seed client may log them.
 */
/**
 * How a call reached Aegis: `mcp` — through the MCP gateway (`aegis mcp`); `http-proxy` — through
 * `aegis proxy http`. Absent: the SDK (or the REST API) asked for itself.
 */
export const callChannel = z.enum(['mcp', 'http-proxy']);
export type CallChannel = z.infer<typeof callChannel>;

/**
 * Which upstream tool a gateway call ran: the action is derived (or mapped) from it and need not
 * name it, so an investigator needs the upstream's own name for what ran. Set by the MCP gateway;
 * recorded and hashed when set.
 */
export const upstreamCallFields = {
  // Lenient on purpose: a name the gateway accepted must never make the decision itself fail.
  upstream: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('The upstream server the call was forwarded to, by its name in the gateway config'),
  upstreamTool: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe("The upstream's own name of the tool that ran"),
};

export const notCallStatuses = [
  'REVEALED',
  'VIOLATION',
  'PAUSED',
  'RESUMED',
  'POLICY',
  'ACCESS',
  'RESET',
] as const satisfies readonly AuditStatus[];
export type ActionStatus = (typeof notCallStatuses)[number];
const NOT_CALLS: ReadonlySet<AuditStatus> = new Set(notCallStatuses);

export function isCallStatus(status: AuditStatus): boolean {
  return !NOT_CALLS.has(status);
}

/**
 * Whether an entry is one of its agent's calls — a decision or an agent's report — and so counts
 * in the agent's totals and risk. What people did (a person's APPROVED/DENIED included) and the
 * server's alerts don't.
 */
export function isCall(entry: { status: AuditStatus; source: AuditSource }): boolean {
  return entry.source !== 'person' && isCallStatus(entry.status);
}

/** The statuses an SDK or seed client may send in a report (whether it is accepted is checked). */
export const loggableStatus = auditStatus.exclude([...notCallStatuses]);

export const severity = z.enum(['success', 'failure', 'critical', 'warning', 'info']);
export type Severity = z.infer<typeof severity>;

export const callOutcome = z.enum(['ok', 'error']);
export type CallOutcome = z.infer<typeof callOutcome>;

export const auditEntry = z.object({
  id: sequentialId,
  timestamp: isoTime,
  agent: z
    .string()
    .max(100)
    .describe('The agent it is about; empty for people\'s actions about no one agent (keys, sign-in, demo reset)'),
  action: z.string(),
  status: auditStatus,
  severity,
  source: auditSource,
  actor: z
    .string()
    .nullable()
    .describe('Who: the person (key or session name) for their actions, the key that sent a report'),
  details: z.string(),
  callId: z.string().nullable(),
  approvalId: z.number().int().nullable(),
  argsPreview: z.string().nullable().describe('Arguments as JSON, sensitive values redacted'),
  findings: z
    .array(callFinding)
    .optional()
    .describe('What DLP found in the arguments (and, once reported, the result): detector, where, path, count — never the value'),
  argsRedacted: z
    .literal(true)
    .optional()
    .describe('A REDACT rule decided: the tool ran with what DLP found in its arguments masked'),
  resultEffect: resultEffect
    .optional()
    .describe('What an on: result rule did with the result: REDACT (masked), BLOCK (dropped), REVIEW (held for a person)'),
  rule: decidingRule.nullable().optional().describe('For decisions: the rule that decided, with its policy version'),
  channel: callChannel
    .optional()
    .describe('How the call reached Aegis: mcp (the MCP gateway), http-proxy; absent for the SDK and REST'),
  upstream: z.string().optional().describe('Gateway calls: the upstream server the call was forwarded to'),
  upstreamTool: z.string().optional().describe("Gateway calls: the upstream's own name of the tool that ran"),
  runId: z
    .string()
    .optional()
    .describe('The run (conversation, job) the call belongs to, as the agent named it; absent when it named none'),
  callArgsHash: z
    .string()
    .optional()
    .describe(
      'HMAC-SHA256 of the stored (masked) call arguments under a random per-entry salt that never leaves the server; hashed, so they cannot change unseen, and salted, so the arguments cannot be guessed from it',
    ),
  outcomeSealed: z
    .literal(true)
    .optional()
    .describe('Hashed: this entry\'s outcome, once recorded, is sealed in the outcome chain'),
  outcome: callOutcome.nullable(),
  durationMs: z.number().nonnegative().nullable(),
  prevHash: z.string().nullable(),
  hash: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

/** What a person signing in or out of the dashboard leaves in the log (status ACCESS). */
export const signInActions = ['aegis:login', 'aegis:logout'] as const;

/**
 * Sign-ins in an Activity query: `exclude` leaves them out (every dashboard visit makes one, and
 * they buried the agents' calls), `only` reads just them (to count what was left out); `include`
 * (or absent) reads them like any entry. Keys made or revoked and channel changes (ACCESS too)
 * are never left out.
 */
export const signInsFilter = z.enum(['include', 'exclude', 'only']);
export type SignInsFilter = z.infer<typeof signInsFilter>;

export const auditQuery = z.object({
  agent: agentName.optional(),
  agents: z.array(agentName).max(100).optional().describe('Entries of any of these agents (with `agent`, of that one too)'),
  status: z.array(auditStatus).max(auditStatus.options.length).optional(),
  source: z.array(auditSource).max(auditSource.options.length).optional(),
  action: actionName.optional(),
  search: z
    .string()
    .max(200)
    .optional()
    .describe('Words (any case, all of them) of the action, details, masked arguments, outcome, actor, agent or rule; `customer` finds `customer_id`'),
  rule: z.string().min(1).max(100).optional().describe('Only decisions made by this rule id'),
  run: z.string().min(1).max(128).optional().describe('Only calls of this run (the runId the agent gave its calls)'),
  detector: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,39}$/, 'a detector or category name such as card, ssn, secret')
    .optional()
    .describe('Only entries where DLP found this detector (or, for pii/financial/secret, any of its category)'),
  signIns: signInsFilter
    .optional()
    .describe('exclude: leave out dashboard sign-ins and sign-outs; only: just them; include (default): with the rest'),
  from: isoTime.optional(),
  to: isoTime.optional(),
  cursor: z.number().int().positive().optional().describe('Return entries with id below this'),
  limit: z.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof auditQuery>;

/** An Activity filter to count: `audit.list`'s without a page's cursor and size. */
export const auditCountQuery = auditQuery.omit({ cursor: true, limit: true });
export type AuditCountQuery = z.infer<typeof auditCountQuery>;

/** Entries counted beyond this are not counted exactly: the answer says "more than" instead. */
export const AUDIT_COUNT_CAP = 10_000;

export const auditCount = z.object({
  count: z.number().int().nonnegative().describe('Entries matching the filter up to `throughId`; when not `exact`, at least this many'),
  exact: z.boolean().describe('false: more than AUDIT_COUNT_CAP (10,000) match, and counting stopped there'),
  throughId: z.number().int().nonnegative().describe('The newest entry id the count covers (later entries are not in it); 0 on an empty log'),
});
export type AuditCount = z.infer<typeof auditCount>;

export const auditPage = z.object({
  entries: z.array(auditEntry),
  nextCursor: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof auditPage>;

/**
 * What `audit.onEntry` sends first to a client resuming from further back than it replays: the
 * entries in between are not coming down the stream (only the newest `replayed` are), so a
 * client that needs them reads them with `audit.list`.
 */
export const auditResumeGap = z.object({
  resumeGap: z.object({
    /** The last event id the client resumed from. */
    from: z.number().int().describe('the last event id the client resumed from'),
    /** Entries after `from` up to and including this id were skipped. */
    through: z.number().int().describe('entries after `from` up to this id were not replayed'),
    replayed: z.number().int().describe('how many of the newest entries a resume replays at most'),
    message: z.string(),
  }),
});
export type AuditResumeGap = z.infer<typeof auditResumeGap>;

/** Whether an `audit.onEntry` event is the resume-gap notice rather than an entry. */
export function isResumeGap(event: AuditEntry | AuditResumeGap): event is AuditResumeGap {
  return 'resumeGap' in event;
}

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
    case 'VIOLATION':
      return 'critical';
    case 'PAUSED':
    case 'PENDING':
      return 'warning';
    case 'ERROR':
    case 'REVEALED':
    case 'RESUMED':
    case 'POLICY':
    case 'ACCESS':
    case 'RESET':
      return 'info';
  }
}

/** What `audit.verify` found of entries' outcomes and stored arguments against what was sealed. */
export const auditOutcomesReport = z.object({
  records: z.number().int().describe('Records of the outcome chain whose hash and link were checked'),
  sealed: z.number().int().describe('Entries whose outcome matches its sealed record'),
  notSealed: z
    .number()
    .int()
    .describe('Outcomes recorded before this version sealed outcomes (not checked, not a failure)'),
  sealPending: z
    .array(z.number().int())
    .describe(
      'Entries (first 100) whose outcome was recorded and whose seal is pending: a server is sealing it, or stopped before it did and the next sweep seals it (not a failure; unproven until sealed)',
    ),
  sealPendingCount: z.number().int().describe('How many such entries in all'),
  recovered: z
    .array(z.number().int())
    .describe(
      'Entries (first 100) whose outcome was sealed on recovery, after a server stopped between recording and sealing it: sealed from the entry as stored then, not when the call ended',
    ),
  recoveredCount: z.number().int().describe('How many such entries in all'),
  argsNotSealed: z
    .number()
    .int()
    .describe('Entries whose stored arguments predate their digest (not checked, not a failure)'),
});
export type AuditOutcomesReport = z.infer<typeof auditOutcomesReport>;

/** The newest link of a hash chain as a walk found it: its id and hash. */
export const chainLink = z.object({
  id: z.number().int().describe('Its place in the chain'),
  hash: z.string().describe('Its hash, which commits to every link before it'),
});

/**
 * Both chains' heads when `audit.verify` walked them intact: an auditor notes them apart from the
 * server and later pins an export to them (`aegis audit verify --file … --head H --outcome-head
 * H2`), so entries or outcome records cut off the end since (nothing follows them to link) show.
 */
export const auditChainHeads = z.object({
  entry: chainLink.nullable().describe('The newest audit entry walked; null when the log is empty'),
  outcome: chainLink
    .nullable()
    .describe('The newest outcome record walked; null when no outcome was sealed yet'),
});
export type AuditChainHeads = z.infer<typeof auditChainHeads>;

const noted = z
  .string()
  .regex(/^[0-9a-f]{64}$/i, 'a chain hash is 64 hex characters, as `aegis audit verify` prints it')
  .transform((h) => h.toLowerCase());

/**
 * Heads noted earlier, apart from the server (`aegis audit verify --head H --outcome-head H2`): the
 * live chains must still hold them. A hash chain alone can't show its newest links cut off (nothing
 * follows them); a head noted before the cut can.
 */
export const auditVerifyInput = z
  .object({
    head: noted
      .optional()
      .describe('The hash of an audit entry noted earlier (`head:`): the log must still hold it'),
    outcomeHead: noted
      .optional()
      .describe('The hash of an outcome record noted earlier (`outcome head:`): the chain must hold it'),
  })
  .strict()
  .optional();
export type AuditVerifyInput = z.infer<typeof auditVerifyInput>;
