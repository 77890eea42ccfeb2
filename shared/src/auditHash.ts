import { canonicalJson } from './canonicalJson';

/**
 * What an audit entry's hash covers. The server hashes with it when it writes an entry and when
 * it walks the chain; the SDK's offline verifier recomputes exports' hashes with it. One
 * definition, so the three can never disagree about what is hashed.
 *
 * The hash itself is sha256 (hex) over {@link auditHashInput}; it is computed where node's crypto
 * is at hand (the server, the SDK), not here: shared is also bundled for the browser.
 */

/** Always hashed (a missing value hashes as null). */
export const HASHED_AUDIT_FIELDS = [
  'id',
  'timestamp',
  'agent',
  'action',
  'status',
  'details',
  'callId',
  'approvalId',
  'argsPreview',
  'prevHash',
] as const;

/**
 * Hashed only when set. Entries written before they existed have none of them, and their hashes
 * (computed without them) must still verify; once set, removing one breaks the hash.
 * `outcome`, `durationMs`, result findings, `resultEffect` and the stored call arguments are not
 * hashed at all: they are written later, when the tool call finishes (or are derived data).
 */
export const OPTIONAL_HASHED_AUDIT_FIELDS = [
  'source',
  'actor',
  'findings',
  'rule',
  'channel',
  'upstream',
  'upstreamTool',
  'callArgsHash',
  'outcomeSealed',
] as const;

export interface HashedFinding {
  detector: string;
  path: string;
  count: number;
  confidence: number;
}

export interface HashedAuditFields {
  id: number;
  /** ISO-8601 string, exactly as the entry reports it. */
  timestamp: string;
  agent: string;
  action: string;
  status: string;
  details: string;
  callId: string | null;
  approvalId: number | null;
  argsPreview: string | null;
  prevHash: string | null;
  source?: string | null;
  actor?: string | null;
  /** DLP findings on the arguments (never values); hashed when there are any. */
  findings?: readonly HashedFinding[] | null;
  /** The deciding rule `{ id, scope, version }` of a decision (hashed as canonical JSON). */
  rule?: { id: string; scope: string; version: number } | null;
  /** How the call reached Aegis (mcp, http-proxy); absent for the SDK. */
  channel?: string | null;
  /** Gateway calls: the upstream server, and its own name of the tool that ran. */
  upstream?: string | null;
  upstreamTool?: string | null;
  /**
   * HMAC-SHA256 (hex) of the stored call arguments (their canonical JSON, as stored) under a
   * random per-entry salt only the server holds, so the arguments are sealed at decision time
   * although an export leaves them out, and can't be guessed back from it (see the server's
   * callArgsDigest). Entries from before salting carry a plain sha256.
   */
  callArgsHash?: string | null;
  /**
   * Set (true) on entries written since outcomes are sealed: such an entry's outcome, once
   * recorded, has a record in the outcome chain (see outcomeHash.ts); older entries' outcomes
   * are reported as not sealed rather than as tampered.
   */
  outcomeSealed?: boolean | null;
}

/** The exact text whose sha256 is an entry's hash: the canonical JSON of its hashed fields. */
export function auditHashInput(fields: HashedAuditFields): string {
  const picked: Record<string, unknown> = {};
  for (const key of HASHED_AUDIT_FIELDS) picked[key] = fields[key] ?? null;
  for (const key of OPTIONAL_HASHED_AUDIT_FIELDS) {
    const value = fields[key];
    if (value !== null && value !== undefined) picked[key] = value;
  }
  return canonicalJson(picked);
}

/**
 * A deciding rule as exports write it: `id@scopevVERSION`. The scope is one of three words and the
 * version digits, so the text reads back exactly (an id containing `@` included: the last `@`
 * that is followed by a scope and a version ends it).
 */
export function formatRuleRef(rule: { id: string; scope: string; version: number }): string {
  return `${rule.id}@${rule.scope}v${rule.version}`;
}

/** The rule of {@link formatRuleRef}'s text, or null when the text is not one. */
export function parseRuleRef(text: string): { id: string; scope: string; version: number } | null {
  const m = /^([\s\S]*)@(agent|global|default)v(0|[1-9][0-9]{0,15})$/.exec(text);
  if (!m) return null;
  return { id: m[1] ?? '', scope: m[2] ?? '', version: Number(m[3]) };
}
