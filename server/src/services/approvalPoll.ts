import { mayActAs, type Approval, type DecidingRuleRef, type Principal } from '@aegis/shared';
import type { ApprovalDoc } from '../data/models/approval.model';
import { toApproval } from '../data/repos/mappers';
import { reviewBinding, reviewRuleKey, scanArgs } from './args';
import type { ServiceDeps } from './deps';
import { callTags, evaluateCall, pastCallsLock, readsPastCalls } from './evaluateCall';
import type { CachedPolicy } from './policyCache';
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
 *
 * `find` is the seed's `GET /sdk/find-approval/{agent}/{action}`: the newest approval in any
 * status, as the seed answered. For the SDK's key it is a poll of that approval, so APPROVED is
 * read once (and redeemed) and DENIED is reported once; a used or already reported approval reads
 * as none, so the seed's `request_approval` asks anew for the next call.
 *
 * The seed protocol carries no arguments back: its client runs the call as it asked it. So an
 * approval whose call would run with other arguments — approved with edited ones, or masked by a
 * REDACT rule that matches it — is never redeemed here: the poll answers DENIED with the reason and
 * leaves it unused, for POST /sdk/decide (whose answer carries the arguments to run) to redeem.
 */
export function createApprovalPoll(
  deps: ServiceDeps,
  load: (id: number) => Promise<ApprovalDoc>,
  announce: (doc: ApprovalDoc) => Approval,
): Pick<Services['approvals'], 'poll' | 'find' | 'approvedFor'> {
  const { repos, cache, locks } = deps;

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

  /** A DENIED answer to the SDK's key is noted, so find-approval reports it once; false if it was already. */
  const noteRefusal = async (read: ApprovalPoll, actor: Principal): Promise<boolean> =>
    read.status !== 'DENIED' ||
    !redeemsAtPoll(actor, read.approval.agent) ||
    (await repos.approvals.noteRefusalRead(read.approval.id, new Date())) !== null;

  async function read(id: number, actor: Principal): Promise<ApprovalPoll> {
    const now = new Date();
    let doc = await load(id);
    if (doc.status === 'PENDING' && doc.expiresAt <= now) {
      // Nobody can decide it any more: say so now rather than after the next sweep.
      const expired = await repos.approvals.expire(id, null, now);
      if (expired) announce(expired);
      doc = expired ?? (await load(id));
    }
    // Only a key that runs the agent's calls redeems: a person looking must not use it up.
    if (!redeemsAtPoll(actor, doc.agent) || doc.status !== 'APPROVED') {
      return look(doc);
    }
    const stale = unusable(doc, now);
    if (stale) return refuse(doc, stale);

    // The seed client runs the arguments it asked with: an edit can't reach it.
    if (doc.editedArgs) {
      return refuse(
        doc,
        `Approval #${id} was approved with edited arguments by ${doc.decidedBy ?? 'an admin'}; this protocol runs the call as it was asked and cannot carry them, so the approval is left unused. Ask with POST /sdk/decide (same arguments): its answer carries the edited arguments in args`,
      );
    }

    // The approval lets this call past the review, not past the kill-switch or a changed policy.
    const snap = await cache.get(doc.agent);
    if (!snap) return refuse(doc, `Agent "${doc.agent}" is not registered`);
    // Redeeming lets a call run: over the agent's past calls it is taken in turn with its other
    // decisions (sdk.decide's lock), or two approved calls polled at once each read a history
    // without the other and both pass "one an hour" (attack review 12).
    if (readsPastCalls(snap, doc.action))
      return locks.run(pastCallsLock(snap.name), () => redeem(doc, snap, new Date()));
    return redeem(doc, snap, now);
  }

  /** The rest of {@link read} for an approved, unused approval: checked again, then used once. */
  async function redeem(doc: ApprovalDoc, snap: CachedPolicy, now: Date): Promise<ApprovalPoll> {
    const id = doc.id;
    const args = doc.args ?? {};
    const scanned = scanArgs(args, snap.set.detectors);
    const decided = await evaluateCall(repos, snap, { action: doc.action, args, findings: scanned.findings }, { now });
    if (decided.verdict === 'KILLED' || decided.verdict === 'BLOCKED') return refuse(doc, decided.reason);
    // Same version: the person approved exactly this policy's question (a condition over
    // history may read differently by now, which the approval answered).
    if (snap.version !== doc.policyVersion) {
      return refuse(
        doc,
        `The policy of "${doc.agent}" changed since approval #${id} was requested; request the call again`,
      );
    }
    // Still held for review: by the same rule (the GlobalPolicy has a say the agent's version
    // doesn't show). Allowed outright by now (a history condition reads differently): it runs.
    const review = decided.verdict === 'REVIEW';
    if (review && doc.reviewRule !== reviewRuleKey(decided.rule)) {
      return refuse(doc, changedReview(doc, decided.rule));
    }
    if (decided.redactArgs || decided.maskWhenApproved) {
      return refuse(
        doc,
        `A REDACT rule masks what DLP found in the arguments of approval #${id}; this protocol runs the call as it was asked and cannot carry masked arguments, so the approval is left unused. Ask with POST /sdk/decide (same arguments): its answer carries the masked arguments in args`,
      );
    }

    const used = await repos.approvals.redeem(id, doc.policyVersion, review ? doc.reviewRule : undefined, now);
    if (!used) {
      // Another poller, or sdk.decide with the same arguments, got there first (or it expired).
      const current = await load(id);
      return refuse(current, unusable(current, now) ?? `Approval #${id} can no longer be used`);
    }
    // Recorded as sdk.decide records a redeemed approval: the rule, the findings and the
    // (masked) arguments history sums and session facts read.
    const allowed = await repos.audit.write({
      timestamp: now,
      agent: used.agent,
      action: used.action,
      status: 'ALLOWED',
      source: 'server',
      details: `Approved by ${used.decidedBy ?? 'a reviewer'} (approval #${id}); used when the agent read the approval`,
      callId: used.callId,
      approvalId: id,
      argsPreview: scanned.preview,
      findings: scanned.findings,
      rule: decided.rule,
      callArgs: scanned.maskedJson,
      tags: callTags(snap, used.action, undefined) ?? null,
      argsHash: used.argsHash,
    });
    return { approval: toApproval(used), status: 'APPROVED', allowed, reason: null };
  }

  return {
    async poll(id, actor) {
      const answer = await read(id, actor);
      await noteRefusal(answer, actor);
      return answer;
    },

    async find(agent, action, actor) {
      const newest = await repos.approvals.newest(agent, action);
      if (!newest) return null;
      if (!redeemsAtPoll(actor, agent)) return read(newest.id, actor);
      // Used, or its refusal already told: that approval is spent; the next call asks anew.
      if (newest.consumedAt || newest.refusalReadAt) return null;
      const answer = await read(newest.id, actor);
      return (await noteRefusal(answer, actor)) ? answer : null;
    },

    async approvedFor(call) {
      const snap = await cache.get(call.agent);
      if (!snap) return null;
      const decided = await evaluateCall(repos, snap, call);
      if (decided.verdict !== 'REVIEW') return null;
      const doc = await repos.approvals.findApproved(
        reviewBinding(deps.bind(snap, call.action, call.args), decided.rule),
        new Date(),
      );
      return doc ? toApproval(doc) : null;
    },
  };
}

/** Why an approval no longer answers the review its call now needs. */
function changedReview(doc: ApprovalDoc, now: DecidingRuleRef | null): string {
  const asked = doc.reviewRule ? `rule ${describeKey(doc.reviewRule)}` : 'an earlier policy';
  const asks = now ? `rule ${describeKey(reviewRuleKey(now))}` : 'the kill-switch';
  return `What requires review for this call changed since approval #${doc.id} was requested (it answered ${asked}; now ${asks} decides); request the call again`;
}

/** `global:big-wires@4` → `big-wires (global, v4)`. */
function describeKey(key: string): string {
  const m = /^(agent|global|default):(.*)@(\d+)$/.exec(key);
  return m ? `${m[2]} (${m[1]}, v${m[3]})` : key;
}

/**
 * Whether `actor`'s APPROVED read of an approval for `agent` is what uses it up: a key that may
 * run the agent's calls — its own agent key, or an admin key running the seed's SDK. Viewers and
 * reviewers only look, and so does a person in a browser whatever their role: a dashboard
 * session never redeems (a page elsewhere on the site could make an admin's browser fetch the
 * poll URL and spend the approval on a call that never ran). `POST /sdk/approval` hands such an
 * actor an approved approval unused, for its poll to redeem; one approval is one execution with
 * any key.
 */
export function redeemsAtPoll(actor: Principal, agent: string): boolean {
  return !actor.session && mayActAs(actor, agent);
}
