import { createHash } from 'node:crypto';
import { canonicalJson, redactSensitive } from '@aegis/shared';
import type { ApprovalBinding } from '../data/repos/approvals.repo';

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

/** What an approval for this call is bound to: agent, action, arguments and policy version. */
export function bindingOf(
  policy: { name: string; version: number },
  action: string,
  args: Record<string, unknown>,
): ApprovalBinding {
  return { agent: policy.name, action, argsHash: argsHash(args), policyVersion: policy.version };
}
