import { decide, mayActAs, type Approval, type Principal } from '@aegis/shared';
import type { ApprovalDoc } from '../data/models/approval.model';
import { toApproval } from '../data/repos/mappers';
import { argsPreview } from './args';
import type { ServiceDeps } from './deps';
import type { ApprovalPoll, Services } from './types';

type SeedStatus = ApprovalPoll['status'];

/** The seed knew PENDING, APPROVED and DENIED; an expired approval reads as denied. */
const seedStatus = (doc: ApprovalDoc): SeedStatus =>
  doc.status === 'EXPIRED' ? 'DENIED' : doc.status;

/**
 * The seed's REST clients (the Python SDK) never tell the server they used an approval: they poll
 * `GET /sdk/approval-status/{id}` and run the tool on APPROVED. So the poll is where an approval
 * is redeemed: the first read by the agent's own key that sees it approved marks it consumed (one
 * conditional update, the same conditions as sdk.decide's redemption) and is recorded as the
 * allowed call. Every later read, and sdk.decide, finds it used. People's reads only look.
 */
export function createApprovalPoll(
  deps: ServiceDeps,
  load: (id: number) => Promise<ApprovalDoc>,
  announce: (doc: ApprovalDoc) => Approval,
): Pick<Services['approvals'], 'poll' | 'approvedFor'> {
  const { repos, cache } = deps;

  const look = (doc: ApprovalDoc): ApprovalPoll => ({
    approval: toApproval(doc),
    status: seedStatus(doc),
    allowed: null,
    reason: null,
  });
  const refuse = (doc: ApprovalDoc, reason: string): ApprovalPoll => ({
    approval: toApproval(doc),
    status: 'DENIED',
    allowed: null,
    reason,
  });

  /** Why an agent may not run the call of an approval that is not (or no longer) redeemable. */
  function unusable(doc: ApprovalDoc, now: Date): string | null {
    if (doc.status !== 'APPROVED') return null;
    if (doc.consumedAt) {
      return `Approval #${doc.id} was already used at ${doc.consumedAt.toISOString()}; an approval covers one call`;
    }
    if (doc.expiresAt <= now) {
      return `Approval #${doc.id} expired at ${doc.expiresAt.toISOString()} before it was used`;
    }
    return null;
  }

  return {
    async poll(id, actor: Principal) {
      const now = new Date();
      let doc = await load(id);
      if (doc.status === 'PENDING' && doc.expiresAt <= now) {
        // Nobody can decide it any more: say so now rather than after the next sweep.
        const expired = await repos.approvals.expire(id, null, now);
        if (expired) announce(expired);
        doc = expired ?? (await load(id));
      }
      // Only the agent's own key redeems: a person looking must not use up the agent's approval.
      if (!redeemsAtPoll(actor, doc.agent) || doc.status !== 'APPROVED') {
        return look(doc);
      }
      const stale = unusable(doc, now);
      if (stale) return refuse(doc, stale);

      // The approval lets this call past the review, not past the kill-switch or a changed policy.
      const snap = await cache.get(doc.agent);
      if (!snap) return refuse(doc, `Agent "${doc.agent}" is not registered`);
      const { verdict, reason } = decide(snap, doc.action);
      if (verdict === 'KILLED' || verdict === 'BLOCKED') return refuse(doc, reason);
      if (verdict !== 'REVIEW' || snap.version !== doc.policyVersion) {
        return refuse(
          doc,
          `The policy of "${doc.agent}" changed since approval #${id} was requested; request the call again`,
        );
      }

      const used = await repos.approvals.redeem(id, doc.policyVersion, now);
      if (!used) {
        // Another poller, or sdk.decide with the same arguments, got there first (or it expired).
        const current = await load(id);
        return refuse(current, unusable(current, now) ?? `Approval #${id} can no longer be used`);
      }
      const allowed = await repos.audit.write({
        timestamp: now,
        agent: used.agent,
        action: used.action,
        status: 'ALLOWED',
        source: 'server',
        details: `Approved by ${used.decidedBy ?? 'a reviewer'} (approval #${id}); used when the agent read the approval`,
        callId: used.callId,
        approvalId: id,
        argsPreview: argsPreview(used.args),
      });
      return { approval: toApproval(used), status: 'APPROVED', allowed, reason: null };
    },

    async approvedFor(call) {
      const snap = await cache.get(call.agent);
      if (!snap || decide(snap, call.action).verdict !== 'REVIEW') return null;
      const doc = await repos.approvals.findApproved(
        deps.bind(snap, call.action, call.args),
        new Date(),
      );
      return doc ? toApproval(doc) : null;
    },
  };
}

/**
 * Whether `actor`'s APPROVED read of an approval for `agent` is what uses it up: the agent's own
 * key. Anyone else (an admin, a person) only looks — so `POST /sdk/approval` may hand such an
 * actor an approved approval unused only when its poll will redeem it; for everyone else the
 * request redeems it, as `sdk.decide` does, and every approval stays single use.
 */
export function redeemsAtPoll(actor: Principal, agent: string): boolean {
  return actor.role === 'agent' && mayActAs(actor, agent);
}
