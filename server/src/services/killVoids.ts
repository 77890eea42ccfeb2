import type { Principal } from '@aegis/shared';
import type { ApprovalDoc } from '../data/repos/approvals.repo';
import { argsPreview } from './args';
import type { ServiceDeps } from './deps';

/**
 * The kill-switch voids the agent's approvals: open ones expire, approved calls not yet used are
 * voided. A reviewer's "yes" given before or during an incident must not let the call run after
 * the revive: every held call gets a fresh review. Each is announced (open dashboards drop the
 * card) and recorded, closing its held call like an expiry does. Returns the voided ids.
 */
export async function voidApprovalsOnKill(
  deps: ServiceDeps,
  agent: string,
  actor: Principal,
): Promise<number[]> {
  const { repos, bus } = deps;
  const voided: number[] = [];
  for (const { id } of await repos.approvals.voidableFor(agent)) {
    const now = new Date();
    const voidedOne = await repos.approvals.voidForKill(id, actor.name, now);
    if (!voidedOne) continue; // used or decided otherwise meanwhile
    voided.push(id);
    bus.emitChange({ type: 'approval.decided', approval: voidedOne.summary });
    const what = voidedOne.was === 'PENDING' ? 'expired' : 'voided (approved, not yet used)';
    await record(deps, voidedOne.doc, actor, what, now);
  }
  return voided;
}

function record(deps: ServiceDeps, doc: ApprovalDoc, actor: Principal, what: string, now: Date) {
  return deps.repos.audit.write({
    timestamp: now,
    agent: doc.agent,
    action: doc.action,
    status: 'TIMEOUT',
    source: 'person',
    actor: actor.name,
    details: `Approval #${doc.id} ${what}: kill-switch on by ${actor.name}; after a revive the call needs a fresh review`,
    callId: doc.callId,
    approvalId: doc.id,
    argsPreview: doc.kind === 'result' ? null : argsPreview(doc.args),
  });
}
