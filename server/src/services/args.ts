import { createHmac } from 'node:crypto';
import {
  canonicalJson,
  maskedToolError,
  redactSensitive,
  scanAndMask,
  type CustomDetector,
  type DecidingRuleRef,
  type ScanFinding,
} from '@aegis/shared';
import type { ApprovalBinding } from '../data/repos/approvals.repo';

const PREVIEW_LIMIT = 500;

/** Canonical JSON of the arguments with everything DLP finds masked, cut to ~500 characters. */
export function argsPreview(args: Record<string, unknown> | null | undefined): string | null {
  if (!args) return null;
  return previewOf(redactSensitive(args));
}

/** Masked JSON cut to ~500 characters (what the dashboard and API show). */
export function previewOf(masked: unknown): string {
  return cut(canonicalJson(masked));
}

const cut = (json: string) => (json.length > PREVIEW_LIMIT ? `${json.slice(0, PREVIEW_LIMIT)}…` : json);

export interface ScannedArgs {
  preview: string | null;
  /** The whole masked arguments as canonical JSON (what history sums and replay read; no value DLP found). */
  maskedJson: string | null;
  /** The masked arguments themselves (what a REDACT rule runs the tool with). */
  masked: Record<string, unknown> | null;
  /** What DLP found in the arguments (never the values). */
  findings: ScanFinding[];
  /** A size or depth limit cut the scan short. */
  truncated: boolean;
}

/**
 * The arguments scanned once: findings for the audit entry and the policy's `dlp` facts, and the
 * masked preview made from the same pass. Custom detectors come from the agent's policy.
 */
export function scanArgs(
  args: Record<string, unknown> | null | undefined,
  custom: readonly CustomDetector[] = [],
  /** `canonicalJson(args)` when the caller has it already (the size check). */
  argsJson?: string,
): ScannedArgs {
  if (!args) return { preview: null, maskedJson: null, masked: null, findings: [], truncated: false };
  const { findings, truncated, masked } = scanAndMask(args, { custom });
  // One serialization for both: the preview is the head of the whole masked JSON. Nothing masked
  // (most calls) leaves the arguments themselves, whose JSON the size check already made.
  const maskedJson = masked === args && argsJson !== undefined ? argsJson : canonicalJson(masked);
  return { preview: cut(maskedJson), maskedJson, masked: masked as Record<string, unknown>, findings, truncated };
}

/** What an approval for this call is bound to: agent, action, arguments and policy version. */
export type Binder = (
  policy: { name: string; version: number },
  action: string,
  args: Record<string, unknown>,
  /** `canonicalJson(args)` when the caller has it already. */
  argsJson?: string,
) => ApprovalBinding;

/**
 * The binding of a call, its arguments digested with HMAC-SHA256 under the installation's secret
 * (auth/bindingSecret.ts). A plain hash would be an oracle: masked arguments have few unknown
 * digits (an SSN shown as `***-**-4417` has 10^5 candidates), so anyone holding the digest could
 * recover them by trying each one. Without the key that is impossible, and the digest never
 * leaves the server anyway.
 */
export function createBinder(secret: Buffer): Binder {
  return (policy, action, args, argsJson = canonicalJson(args)) => ({
    agent: policy.name,
    action,
    argsHash: createHmac('sha256', secret).update(argsJson).digest('hex'),
    policyVersion: policy.version,
  });
}

/**
 * The review rule a call's approval is bound to (ApprovalBinding.reviewRule): the rule that asked
 * for the review, its scope and the version of the policy it is in. The agent's policy version is
 * bound already; this binds the GlobalPolicy's part too — when a global change makes another rule
 * decide the review (a new quorum rule, say) or changes the global rule that asked, an approval
 * given to the old question no longer lets the call run.
 */
export function reviewRuleKey(rule: DecidingRuleRef | null): string {
  return rule ? `${rule.scope}:${rule.id}@${rule.version}` : 'kill-switch';
}

/** A call's binding with the rule that asked for its review. */
export function reviewBinding(binding: ApprovalBinding, rule: DecidingRuleRef | null): ApprovalBinding {
  return { ...binding, reviewRule: reviewRuleKey(rule) };
}

/**
 * The details of a tool-failure entry. The agent's error text is masked again here (an older or
 * another SDK may send it raw): the audit log keeps findings, never values, and its entries
 * cannot be edited afterwards.
 */
export function toolFailedDetails(error: string | null | undefined): string {
  return error ? `Tool failed: ${maskedToolError(error)}` : 'Tool failed';
}
