import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  auditHashInput,
  outcomeHashInput,
  type HashedAuditFields,
  type HashedOutcomeFields,
} from '@aegis/shared';

// What is hashed is defined once, in shared (the SDK's offline verifier recomputes it too).
export {
  HASHED_AUDIT_FIELDS,
  OPTIONAL_HASHED_AUDIT_FIELDS,
  type HashedAuditFields,
  type HashedFinding,
} from '@aegis/shared';

/**
 * sha256 (hex) over the canonical JSON of the hashed fields. Each entry stores the previous
 * entry's hash as `prevHash`, so editing or deleting any stored entry breaks every later link.
 * The audit verifier must call this same function.
 */
export function hashAuditEntry(fields: HashedAuditFields): string {
  return createHash('sha256').update(auditHashInput(fields)).digest('hex');
}

/**
 * The digest of an entry's stored call arguments (`callArgsHash`, hashed with the entry):
 * HMAC-SHA256 (hex) of the stored text (already canonical JSON) keyed by the entry's own random
 * salt (`callArgsSalt`). Salted because the digest leaves the server — every viewer and every
 * export carries it, since the entry's hash covers it and a viewer's export must verify offline —
 * while the arguments do not: a plain sha256 of `{"amount":731,"approve":true}` gives the
 * arguments back to anyone who tries the few thousand likely values. The salt never leaves the
 * server (no output, no export has it); only the server's own verify, which reads the stored
 * arguments, needs it. Entries written before salting (no salt) keep their plain sha256.
 */
export function callArgsDigest(callArgs: string, salt?: string | null): string {
  if (!salt) return createHash('sha256').update(callArgs).digest('hex');
  return createHmac('sha256', salt).update(callArgs).digest('hex');
}

/** A new entry's `callArgsSalt`: 128 random bits, so its digest cannot be brute-forced. */
export function newCallArgsSalt(): string {
  return randomBytes(16).toString('hex');
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

/** sha256 (hex) over an outcome record's hashed fields (see shared outcomeHash.ts). */
export function hashOutcomeRecord(fields: HashedOutcomeFields): string {
  return createHash('sha256').update(outcomeHashInput(fields)).digest('hex');
}
