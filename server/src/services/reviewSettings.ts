import { durationMs, type DecidingRuleRef, type ScanFinding } from '@aegis/shared';
import type { ApprovalDoc } from '../data/repos/approvals.repo';
import type { CachedPolicy } from './policyCache';

type Settings = Pick<
  ApprovalDoc,
  'rule' | 'notify' | 'quorum' | 'escalateAt' | 'escalatedAt' | 'escalateTo'
>;

/**
 * What the rule that opened an approval asks of it (issue 23): the channels to tell, the quorum,
 * and when to escalate to whom. Stored on the approval, so any server can act on it later.
 */
export function reviewSettings(
  snap: CachedPolicy,
  ref: DecidingRuleRef | null,
  now: Date,
): Partial<Settings> {
  if (!ref || ref.scope === 'default') return {};
  const found = findRule(snap, ref);
  if (!found) return { rule: ref.id };
  const { notify, approval } = found;
  const escalateTo = approval?.escalate ?? [];
  return {
    rule: ref.id,
    ...(notify?.length ? { notify } : {}),
    ...(approval?.quorum && approval.quorum > 1 ? { quorum: approval.quorum } : {}),
    ...(approval?.sla && escalateTo.length
      ? {
          escalateAt: new Date(now.getTime() + durationMs(approval.sla)),
          escalatedAt: null,
          escalateTo,
        }
      : {}),
  };
}

/**
 * Why a call was held, for the reviewer: the deciding rule's reason as the decision gave it
 * (already masked), and — when that rule reads `dlp`, so a finding is what sent the call to a
 * person — the detectors that found something. Detector names only: a value never leaves the scan.
 */
export function heldReason(
  snap: CachedPolicy,
  ref: DecidingRuleRef | null,
  reason: string,
  findings: readonly ScanFinding[],
): Pick<ApprovalDoc, 'reason' | 'detectors'> {
  const readsDlp =
    ref !== null && ref.scope !== 'default' && findRule(snap, ref)?.needs.dlp === true;
  const detectors = readsDlp ? [...new Set(findings.map((f) => f.detector))] : [];
  return { reason, ...(detectors.length ? { detectors } : {}) };
}

function findRule(snap: CachedPolicy, ref: DecidingRuleRef) {
  const policy = ref.scope === 'global' ? snap.set.global : snap.set.agent;
  return policy?.rules.find((r) => r.id === ref.id);
}
