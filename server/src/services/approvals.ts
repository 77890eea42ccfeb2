import {
  DomainError,
  argsDiff,
  canonicalJson,
  maskedText,
  redactSensitive,
  type Approval,
  type Principal,
} from '@aegis/shared';
import type { ApprovalDoc } from '../data/models/approval.model';
import { toApproval, toApprovalSummary, voterIdentity } from '../data/repos/mappers';
import { createApprovalPoll } from './approvalPoll';
import { ACTION, noteAction } from './actions';
import { ownWaitEnd } from './approvalLimits';
import { argsPreview, previewOf } from './args';
import type { ServiceDeps } from './deps';
import { mustActFor, unknownApproval } from './errors';
import type { PolicyService } from './policies';
import type { Services } from './types';

/** The human-review queue. Every state change is one conditional update, so it happens once. */
export function createApprovalService(
  deps: ServiceDeps,
  policies: PolicyService,
): Services['approvals'] & {
  expireOverdue(): Promise<number>;
} {
  const { repos, bus } = deps;

  /**
   * Quorum rules: an approval is one vote, added once per person (per {@link voterIdentity}: the
   * same mailbox typed `rita@…` on one channel and `Rita@…` on another is one person); the call
   * is approved when the votes reach the quorum (the vote that reaches it decides). A deny
   * decides at once.
   */
  async function quorumReached(
    id: number,
    decision: 'APPROVED' | 'DENIED',
    by: string,
    via: string,
    now: Date,
    link: string | undefined,
  ): Promise<{ waiting?: ApprovalDoc; voted?: true }> {
    const current = await load(id);
    if (decision !== 'APPROVED' || !current.quorum || current.quorum <= 1 || current.status !== 'PENDING') return {};
    const voted = await repos.approvals.vote(id, { by, via, at: now }, now, link);
    if (!voted) {
      const again = await load(id);
      const open = again.status === 'PENDING' && again.expiresAt > now;
      const mine = again.votes?.some((v) => voterIdentity(v.by) === voterIdentity(by)) ?? false;
      // This person's vote reached the quorum, but the decision after it never happened (it
      // failed, or the server stopped between the two): finish it rather than leave it waiting.
      if (open && mine && (again.votes?.length ?? 0) >= current.quorum) return { voted: true };
      refuseUsedLink(again, link);
      if (open && mine) {
        throw new DomainError('ALREADY_DECIDED', `${by} already approved #${id}; it needs ${again.quorum} different people`);
      }
      return {};
    }
    return (voted.votes?.length ?? 0) >= current.quorum ? { voted: true } : { waiting: voted };
  }

  async function load(id: number): Promise<ApprovalDoc> {
    const doc = await repos.approvals.get(id);
    if (!doc) throw unknownApproval(id);
    return doc;
  }

  /**
   * Edited arguments stand in for the call, so they meet what a call must: the size limit, and a
   * change to approve (the same arguments are a plain approval, and should not read as edited).
   * A quorum approval takes none: the votes before the last were for the call as the agent asked
   * it, so the last voter alone would decide what runs (and the edit of an earlier vote, which
   * decides nothing, would be lost). Nor does one a seed client waits on: it can't be told them.
   */
  function checkEdited(doc: ApprovalDoc, edited: Record<string, unknown>): void {
    if (doc.seedClient) {
      throw new DomainError(
        'INVALID_REQUEST',
        `Approval #${doc.id} was asked over the seed REST protocol (POST /sdk/approval): its client polls for APPROVED and runs the call with the arguments it asked with, so it cannot be handed edited arguments. Approve or deny it as asked`,
      );
    }
    if (doc.quorum && doc.quorum > 1) {
      throw new DomainError(
        'INVALID_REQUEST',
        `Approval #${doc.id} needs ${doc.quorum} people to approve: edited arguments would run a call the other approvers never saw. Approve or deny it as asked`,
      );
    }
    const size = Buffer.byteLength(canonicalJson(edited));
    if (size > deps.maxArgsBytes) {
      throw new DomainError(
        'ARGS_TOO_LARGE',
        `editedArgs: the edited arguments are ${size} bytes of canonical JSON, over the ${deps.maxArgsBytes}-byte limit (AEGIS_MAX_ARGS_BYTES)`,
      );
    }
    if (argsDiff(doc.args ?? {}, edited).length === 0) {
      throw new DomainError(
        'INVALID_REQUEST',
        `editedArgs: the same as the call's own arguments; approve #${doc.id} without editedArgs`,
      );
    }
  }

  function announce(doc: ApprovalDoc): Approval {
    bus.emitChange({ type: 'approval.decided', approval: toApprovalSummary(doc) });
    return toApproval(doc);
  }

  return {
    ...createApprovalPoll(deps, load, announce),

    async pending(page) {
      return (await repos.approvals.pending(new Date(), page)).map(toApprovalSummary);
    },

    async list(query) {
      const { docs, nextCursor } = await repos.approvals.list(query);
      return { approvals: docs.map(toApprovalSummary), nextCursor };
    },

    async get(id) {
      return toApproval(await load(id));
    },

    async reveal(id, actor) {
      const doc = await load(id);
      if (doc.kind === 'result') {
        throw new DomainError('INVALID_REQUEST', `Approval #${id} holds a result: the raw result never left the agent, only its masked preview is stored`);
      }
      await noteAction(
        repos,
        {
          agent: doc.agent,
          action: ACTION.reveal,
          status: 'REVEALED',
          details: `Unmasked arguments of approval #${id} (${doc.action}) shown to ${actor.name}`,
          callId: doc.callId,
          approvalId: id,
        },
        actor,
      );
      return doc.args ?? {};
    },

    async decide(id, decision, remember, actor: Principal, comment, options = {}) {
      if (actor.role === 'agent') throw new DomainError('NOT_PERMITTED', 'Agent keys cannot decide approvals');
      const via = options.via ?? 'dashboard';
      const edited = options.editedArgs;
      if (edited && (decision !== 'APPROVED' || actor.role !== 'admin')) {
        throw new DomainError('NOT_PERMITTED', 'Only an admin may approve with edited arguments (and only to approve)');
      }
      // A standing rule changes the agent's policy: an admin's power, not a reviewer's (README, Roles).
      if (remember && actor.role !== 'admin') {
        throw new DomainError(
          'NOT_PERMITTED',
          'Only an admin may turn a decision into a standing rule ("always allow / always block"); a reviewer decides this call',
        );
      }
      const before = remember || edited ? await load(id) : null;
      if (before && remember && before.kind === 'result') {
        throw new DomainError('INVALID_REQUEST', `Approval #${id} holds a result: it is released or withheld once, it makes no standing rule`);
      }
      if (before && edited && (before.kind === 'result' || remember)) {
        throw new DomainError('INVALID_REQUEST', 'Edited arguments approve one call: not a held result, not a standing rule');
      }
      if (before && edited && before.status === 'PENDING') checkEdited(before, edited);
      const now = new Date();
      // Kept on the approval and quoted in the hash-chained decision entry: masked like arguments.
      const note = maskedText(comment?.trim() ?? '') || null;
      const quorum = await quorumReached(id, decision, actor.name, via, now, options.link);
      if (quorum.waiting) {
        bus.emitChange({ type: 'approval.decided', approval: toApprovalSummary(quorum.waiting) });
        return toApproval(quorum.waiting);
      }
      // The vote that reached the quorum recorded the link's use already.
      const link = quorum.voted ? undefined : options.link;
      // The decision belongs to the call's run (Activity's run view shows it beside the call).
      // Read first: once decided, nothing may come between the decision and queuing its entry.
      const runId = (await repos.investigation.heldEntry(id))?.runId ?? null;
      const doc = await repos.approvals.decide(id, decision, actor.name, now, note, { via, editedArgs: edited, link });
      if (!doc) {
        const current = await load(id);
        refuseUsedLink(current, link);
        if (current.status === 'PENDING') {
          const expired = await repos.approvals.expire(id, null, now);
          if (expired) announce(expired);
          throw new DomainError(
            'APPROVAL_EXPIRED',
            `Approval #${id} expired at ${current.expiresAt.toISOString()} and can no longer be decided`,
          );
        }
        const by = current.decidedBy ? ` by ${current.decidedBy}` : '';
        throw new DomainError('ALREADY_DECIDED', `Approval #${id} was already ${current.status.toLowerCase()}${by}`);
      }
      // Queue the audit entry, then tell the waiting caller at once: the writer is FIFO, so this
      // entry still lands before the entry of the call the approval now lets through.
      const written = repos.audit.write({
        timestamp: now,
        agent: doc.agent,
        action: doc.action,
        status: decision,
        // a person's decision about the call, not a call of the agent's
        source: 'person',
        actor: actor.name,
        details: decidedDetails(doc, decision, actor.name, via) + (note ? ` — “${note}”` : ''),
        callId: doc.callId,
        approvalId: id,
        argsPreview: doc.kind === 'result' ? null : argsPreview(doc.args),
        runId,
      });
      const approval = announce(doc);
      await written;
      if (remember) {
        const rule = decision === 'APPROVED' ? 'ALLOW' : 'BLOCK';
        await policies.set(doc.agent, doc.action, rule, actor, { approvalId: id });
      }
      return approval;
    },

    async unresumedRuns(actor, limit) {
      const agents = actor.role === 'agent' ? (actor.agents ?? []) : null;
      return (await repos.approvals.unresumedRuns(agents, limit)).map(toApproval);
    },

    async markResumed(id, actor) {
      const current = await load(id);
      mustActFor(actor, current.agent, () => unknownApproval(id));
      const doc = await repos.approvals.markResumed(id, new Date());
      if (!doc) {
        const why = !current.run
          ? 'has no paused run'
          : current.status === 'PENDING'
            ? 'is not decided yet'
            : 'had its paused run resumed already';
        throw new DomainError('RUN_NOT_RESUMABLE', `Approval #${id} ${why}`);
      }
      // Tells open dashboards the run continued (the card shows it).
      return announce(doc);
    },

    async timeout(id, actor, callId) {
      const now = new Date();
      if (callId !== undefined) {
        const held = await load(id);
        if (!(await repos.audit.heldOn(held.agent, callId, id)))
          throw new DomainError('INVALID_REQUEST', `Call "${callId}" was not held on approval #${id}`);
      }
      const logTimeout = (doc: ApprovalDoc, details: string) =>
        repos.audit.write({
          timestamp: now,
          agent: doc.agent,
          action: doc.action,
          status: 'TIMEOUT',
          // the SDK reported that it stopped waiting
          source: 'agent',
          actor: actor.name,
          details,
          callId: callId ?? doc.callId,
          approvalId: id,
          argsPreview: argsPreview(doc.args),
        });
      // Another caller of the same call waits longer: this caller's call ends, the approval stays.
      const stays = await repos.approvals.leave(id, ownWaitEnd(now));
      if (stays) {
        await logTimeout(
          stays,
          `No decision in time for this caller; approval #${id} stays open for another caller of the same call (until ${stays.expiresAt.toISOString()})`,
        );
        return toApproval(stays);
      }
      const doc = await repos.approvals.expire(id, actor.name, now);
      // Decided meanwhile (e.g. approved at the last moment): report it as it is.
      if (!doc) return toApproval(await load(id));
      await logTimeout(doc, `No decision in time; the caller gave up waiting (approval #${id})`);
      return announce(doc);
    },

    /** Marks PENDING approvals past their expiry as EXPIRED; returns how many. */
    async expireOverdue() {
      const now = new Date();
      let count = 0;
      for (const { id } of await repos.approvals.overdue(now)) {
        const doc = await repos.approvals.expire(id, null, now);
        if (doc) {
          announce(doc);
          count++;
        }
      }
      return count;
    },
  };
}
export type ApprovalService = ReturnType<typeof createApprovalService>;

/** A link used on this approval before — by a vote or the decision — is a replay. */
function refuseUsedLink(doc: ApprovalDoc, link: string | undefined): void {
  if (link !== undefined && doc.linkUses?.includes(link)) {
    throw new DomainError('ALREADY_DECIDED', 'This link was already used.');
  }
}

function decidedDetails(doc: ApprovalDoc, decision: 'APPROVED' | 'DENIED', by: string, via: string): string {
  // The dashboard is the usual place: only other channels are named.
  const where = via === 'dashboard' ? '' : ` via ${via}`;
  if (doc.kind === 'result') {
    return `${decision === 'APPROVED' ? 'Result released' : 'Result withheld'} by ${by}${where} (approval #${doc.id})`;
  }
  const edited = doc.editedArgs ? ` with edited arguments ${previewOf(redactSensitive(doc.editedArgs))}` : '';
  const quorum = doc.quorum && doc.quorum > 1 && doc.votes ? ` (quorum ${doc.quorum}: ${doc.votes.map((v) => v.by).join(', ')})` : '';
  return `${decision === 'APPROVED' ? 'Approved' : 'Denied'} by ${by}${where}${edited}${quorum} (approval #${doc.id})`;
}
