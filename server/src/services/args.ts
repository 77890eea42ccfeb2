import { createHmac } from 'node:crypto';
import { canonicalJson, redactSensitive } from '@aegis/shared';
import type { ApprovalBinding } from '../data/repos/approvals.repo';

const PREVIEW_LIMIT = 500;

/** Canonical JSON of the arguments with SSNs and card numbers masked, cut to ~500 characters. */
export function argsPreview(args: Record<string, unknown> | null | undefined): string | null {
  if (!args) return null;
  const json = canonicalJson(redactSensitive(args));
  return json.length > PREVIEW_LIMIT ? `${json.slice(0, PREVIEW_LIMIT)}…` : json;
}

/** What an approval for this call is bound to: agent, action, arguments and policy version. */
export type Binder = (
  policy: { name: string; version: number },
  action: string,
  args: Record<string, unknown>,
) => ApprovalBinding;

/**
 * The binding of a call, its arguments digested with HMAC-SHA256 under the installation's secret
 * (auth/bindingSecret.ts). A plain hash would be an oracle: masked arguments have few unknown
 * digits (an SSN shown as `***-**-4417` has 10^5 candidates), so anyone holding the digest could
 * recover them by trying each one. Without the key that is impossible, and the digest never
 * leaves the server anyway.
 */
export function createBinder(secret: Buffer): Binder {
  return (policy, action, args) => ({
    agent: policy.name,
    action,
    argsHash: createHmac('sha256', secret).update(canonicalJson(args)).digest('hex'),
    policyVersion: policy.version,
  });
}
