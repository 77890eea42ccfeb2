import { canonicalJson } from './canonicalJson';
import type { HashedFinding } from './auditHash';

/**
 * What an outcome record's hash covers. A call's outcome is written onto its audit entry after
 * the tool ran, so the entry's own hash cannot cover it; each recorded outcome is also appended
 * as a record to a second chain (`audit_outcomes`), whose hash covers the outcome as recorded and
 * the hash of the entry it belongs to. The server hashes with it when it appends and when it
 * verifies; the SDK's offline verifier recomputes exported records with it.
 */
export const HASHED_OUTCOME_FIELDS = [
  'id',
  'entryId',
  'entryHash',
  'outcome',
  'durationMs',
  'resultFindings',
  'resultEffect',
  'timestamp',
  'prevHash',
] as const;

/**
 * Hashed only when set: `recovered` marks a record sealed after the fact, from the entry as it
 * was stored, because the server stopped between recording the outcome and sealing it (see the
 * server's sealRecovery.ts). Hashed so the mark cannot be dropped to pass it off as a timely seal.
 */
export const OPTIONAL_HASHED_OUTCOME_FIELDS = ['recovered'] as const;

export interface HashedOutcomeFields {
  /** The record's place in the outcome chain (1, 2, … without gaps). */
  id: number;
  /** The audit entry whose outcome this is. */
  entryId: number;
  /** That entry's hash: binds the record to the entry (and through it to the audit chain). */
  entryHash: string;
  outcome: string;
  durationMs: number | null;
  /** DLP findings on the result (never values); null when none. */
  resultFindings: readonly HashedFinding[] | null;
  /** What an `on: result` rule did with the result; null when nothing. */
  resultEffect: string | null;
  /** ISO-8601 time the record was appended. */
  timestamp: string;
  /** The previous record's hash; null for the first. */
  prevHash: string | null;
  /** Sealed on recovery, not when the outcome was recorded (see OPTIONAL_HASHED_OUTCOME_FIELDS). */
  recovered?: boolean | null;
}

/** The exact text whose sha256 is an outcome record's hash: the canonical JSON of its hashed fields. */
export function outcomeHashInput(fields: HashedOutcomeFields): string {
  const picked: Record<string, unknown> = {};
  for (const key of HASHED_OUTCOME_FIELDS) picked[key] = fields[key] ?? null;
  for (const key of OPTIONAL_HASHED_OUTCOME_FIELDS) {
    const value = fields[key];
    if (value !== null && value !== undefined) picked[key] = value;
  }
  return canonicalJson(picked);
}
