import { createHash } from 'node:crypto';
import { canonicalJson, redactSensitive } from '@aegis/shared';

const PREVIEW_LIMIT = 500;

/** sha256 hex of the canonical JSON: what an approval is bound to. */
export function argsHash(args: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

/** Canonical JSON of the arguments with SSNs and card numbers masked, cut to ~500 characters. */
export function argsPreview(args: Record<string, unknown> | null | undefined): string | null {
  if (!args) return null;
  const json = canonicalJson(redactSensitive(args));
  return json.length > PREVIEW_LIMIT ? `${json.slice(0, PREVIEW_LIMIT)}…` : json;
}
