import { createHash } from 'node:crypto';
import { canonicalJson } from '@aegis/shared';

/**
 * The fields of an audit entry that its hash covers, in this order in the documentation (the
 * canonical JSON sorts keys anyway). `outcome` and `durationMs` are deliberately absent: they are
 * written once, later, when the tool call finishes.
 */
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
 * Fields hashed only when set. Entries written before they existed have neither, and their
 * hashes (computed without them) must still verify; once set, removing one breaks the hash.
 */
export const OPTIONAL_HASHED_AUDIT_FIELDS = ['source', 'actor', 'findings', 'rule', 'channel'] as const;

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
}

export interface HashedFinding {
  detector: string;
  path: string;
  count: number;
  confidence: number;
}

/**
 * sha256 (hex) over the canonical JSON of the hashed fields. Each entry stores the previous
 * entry's hash as `prevHash`, so editing or deleting any stored entry breaks every later link.
 * The audit verifier must call this same function.
 */
export function hashAuditEntry(fields: HashedAuditFields): string {
  const picked: Record<string, unknown> = {};
  for (const key of HASHED_AUDIT_FIELDS) picked[key] = fields[key] ?? null;
  for (const key of OPTIONAL_HASHED_AUDIT_FIELDS) {
    const value = fields[key];
    if (value !== null && value !== undefined) picked[key] = value;
  }
  return createHash('sha256').update(canonicalJson(picked)).digest('hex');
}

/**
 * Replaces lone UTF-16 surrogates with U+FFFD, as BSON does when it stores the string. The hash
 * must be computed over exactly what the database will hold, or a `"\ud800"` in a tool's details
 * would make an untouched entry look edited.
 */
export function wellFormed(text: string): string;
export function wellFormed(text: string | null): string | null;
export function wellFormed(text: string | null): string | null {
  return text === null
    ? null
    : text.replace(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
        '\ufffd',
      );
}
