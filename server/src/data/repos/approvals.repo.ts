import type { Model, QueryFilter } from 'mongoose';
import type { Approval, ApprovalStatus, PausedRunRef } from '@aegis/shared';
import { toApproval, voterIdentity } from './mappers';
import type { ApprovalDoc, ApprovalVote } from '../models/approval.model';

export type { ApprovalDoc } from '../models/approval.model';
import type { CounterDoc } from '../models/counter.model';
import { IdAllocator } from './idAllocator';

/**
 * What makes an approval usable at `now` for a call: approved, not yet used, not expired, and
 * about a call — a released result never lets a call run.
 */
const usable = (now: Date) =>
  ({ status: 'APPROVED', consumedAt: null, expiresAt: { $gt: now }, kind: { $ne: 'result' } }) as const;

/** What an approval is bound to: exactly this agent, action, arguments and policy version. */
export interface ApprovalBinding {
  agent: string;
  action: string;
  argsHash: string;
  policyVersion: number;
  /**
   * A call's approval: the rule that asked for the review, with its scope and its policy's
   * version (services/args.ts `reviewRuleKey`). The approval answers that rule's question: when
   * another rule decides the review now — a GlobalPolicy change (which leaves the agent's version
   * as it was) added a stricter one, or changed the global rule that asked — it is not usable.
   * Absent for a held result's approval.
   */
  reviewRule?: string;
}

/** The binding as a filter (a held result's binding names no review rule). */
const bound = (b: ApprovalBinding) => ({
  agent: b.agent,
  action: b.action,
  argsHash: b.argsHash,
  policyVersion: b.policyVersion,
  ...(b.reviewRule === undefined ? {} : { reviewRule: b.reviewRule }),
});

/**
 * A notification link's use (`<nonce>:<person>`) is kept on the approval it decides, and written
 * by the same conditional update as the vote or decision: a link counts once, and only when it
 * decided something — a failed update leaves it unused, and there is no step between to crash in.
 */
const linkUnused = (link: string | undefined) => (link === undefined ? {} : { linkUses: { $ne: link } });
const linkUse = (link: string | undefined) => (link === undefined ? {} : { $push: { linkUses: link } });

/** Approvals. State changes are single conditional updates, so concurrent deciders can't both win. */
export function createApprovalsRepo(model: Model<ApprovalDoc>, counters: Model<CounterDoc>) {
  const ids = new IdAllocator(counters, 'approvals', async () => {
    const last = await model.findOne({}, { id: 1 }).sort({ id: -1 }).lean<{ id: number } | null>();
    return last?.id ?? 0;
  });

  async function create(
    input: ApprovalBinding &
      Pick<Partial<ApprovalDoc>, 'kind' | 'findings' | 'resultPreview' | 'rule' | 'reason' | 'detectors' | 'notify' | 'quorum' | 'escalateAt' | 'escalatedAt' | 'escalateTo' | 'seedClient'> & {
        args: Record<string, unknown>;
        callId: string | null;
        expiresAt: Date;
        run?: PausedRunRef | undefined;
      },
  ): Promise<ApprovalDoc> {
    const { run, reviewRule, ...rest } = input;
    const createdAt = new Date();
    const doc: ApprovalDoc = {
      id: await ids.next(),
      ...rest,
      ...(reviewRule === undefined ? {} : { reviewRule }),
      status: 'PENDING',
      createdAt,
      decidedAt: null,
      decidedBy: null,
      consumedAt: null,
      run: run ? { ...run, pausedAt: createdAt, resumedAt: null } : null,
    };
    await model.collection.insertOne({ ...doc });
    return doc;
  }

  return {
    create,

    /** Opens an approval and returns it as the API shows it (arguments masked). */
    open: async (input: Parameters<typeof create>[0]): Promise<Approval> => toApproval(await create(input)),

    get: (id: number) => model.findOne({ id }).lean<ApprovalDoc | null>(),

    /**
     * Ties an approval to the audit entry of the REVIEW decision that opened it. The entry names
     * the approval, so the approval is stored first and learns the entry's id once it is written.
     */
    noteReviewEntry: async (id: number, auditId: number) => {
      await model.updateOne({ id }, { $set: { auditId } });
    },

    /** The newest approval of a call (not a held result) for this agent and action, any status. */
    newest: (agent: string, action: string) =>
      model
        .findOne({ agent, action, kind: { $ne: 'result' } })
        .sort({ id: -1 })
        .lean<ApprovalDoc | null>(),

    /** Notes that the agent was told it is DENIED; null when it already had been (told once). */
    noteRefusalRead: (id: number, now: Date) =>
      model
        .findOneAndUpdate(
          { id, refusalReadAt: null },
          { $set: { refusalReadAt: now } },
          { returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    /** Atomically marks an approved, unused, unexpired approval for this binding as used. */
    consumeApproved: (b: ApprovalBinding, now: Date) =>
      model
        .findOneAndUpdate(
          { ...bound(b), ...usable(now) },
          { $set: { consumedAt: now } },
          { sort: { id: 1 }, returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    /** The approval consumeApproved would take for this binding, left as it is. */
    findApproved: (b: ApprovalBinding, now: Date) =>
      model
        .findOne({ ...bound(b), ...usable(now) })
        .sort({ id: 1 })
        .lean<ApprovalDoc | null>(),

    /**
     * Marks one approval used, if it is still approved, unused, unexpired, of this policy version
     * and review rule (the conditions of consumeApproved); null when another reader or call got it first.
     */
    redeem: (id: number, policyVersion: number, reviewRule: string | undefined, now: Date) =>
      model
        .findOneAndUpdate(
          { id, policyVersion, ...(reviewRule === undefined ? {} : { reviewRule }), ...usable(now) },
          { $set: { consumedAt: now } },
          { returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    /** The open approval for this binding, of this kind (a call's, or a held result's). */
    /** The newest result approval of a call (its binding's digest: see results.ts), any state. */
    resultHoldOf: (agent: string, action: string, argsHash: string) =>
      model
        .findOne({ agent, action, argsHash, kind: 'result' }, { id: 1 })
        .sort({ id: -1 })
        .lean<{ id: number } | null>(),

    findPending: (b: ApprovalBinding, now: Date, kind: 'call' | 'result' = 'call') =>
      model
        .findOne({ ...bound(b), status: 'PENDING', expiresAt: { $gt: now }, kind: kind === 'result' ? 'result' : { $ne: 'result' } })
        .sort({ id: -1 })
        .lean<ApprovalDoc | null>(),

    /**
     * Another caller of the same call waits on this open approval: counted (`joined`), and the
     * expiry moved out to `until` (never earlier, never past its creation plus the TTL). Answers
     * the approval when its expiry moved (open dashboards show the new deadline), else null.
     */
    join: async (id: number, until: Date | null, ttlMs: number) => {
      const doc = await model
        .findOneAndUpdate({ id, status: 'PENDING' }, { $inc: { joined: 1 } }, { returnDocument: 'after' })
        .lean<ApprovalDoc | null>();
      if (!doc || !until) return null;
      const cap = new Date(Math.min(until.getTime(), doc.createdAt.getTime() + ttlMs));
      if (doc.expiresAt >= cap) return null;
      const moved = await model
        .findOneAndUpdate({ id, status: 'PENDING', expiresAt: { $lt: cap } }, { $set: { expiresAt: cap } }, { returnDocument: 'after' })
        .lean<ApprovalDoc | null>();
      return moved ? toApproval(moved) : null;
    },

    /**
     * A caller gave up, but another joined caller still waits past `stillWaitedAfter`: one fewer
     * left, the approval stays open. Null when no other caller waits (the caller expires it).
     */
    leave: (id: number, stillWaitedAfter: Date) =>
      model
        .findOneAndUpdate(
          { id, status: 'PENDING', joined: { $gt: 0 }, expiresAt: { $gt: stillWaitedAfter } },
          { $inc: { joined: -1 } },
          { returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    /** How many approvals (calls' and held results') wait for a person on this agent. */
    countPendingFor: (agent: string, now: Date) =>
      model.countDocuments({ agent, status: 'PENDING', expiresAt: { $gt: now } }),

    /** The newest approval a paused run asked for (review by interrupt), whatever its status. */
    forRun: (agent: string, run: PausedRunRef) =>
      model
        .findOne({ agent, 'run.threadId': run.threadId, 'run.toolCallId': run.toolCallId })
        .sort({ id: -1 })
        .lean<ApprovalDoc | null>(),

    /**
     * A seed client (POST /sdk/approval) waits on this open approval too: it runs the arguments it
     * asked with, so the approval may not be approved with edited ones.
     */
    markSeedClient: async (id: number) => {
      await model.updateOne({ id, status: 'PENDING', seedClient: { $ne: true } }, { $set: { seedClient: true } });
    },

    /** Remembers the paused run on a pending approval opened by an identical call outside it. */
    attachRun: async (id: number, run: PausedRunRef, now: Date) => {
      await model.updateOne(
        { id, run: null },
        { $set: { run: { ...run, pausedAt: now, resumedAt: null } } },
      );
    },

    /** Decided approvals whose paused runs nobody has resumed yet, oldest first. */
    unresumedRuns: (agents: readonly string[] | null, limit: number) =>
      model
        .find({
          ...(agents ? { agent: { $in: [...agents] } } : {}),
          run: { $ne: null },
          'run.resumedAt': null,
          status: { $ne: 'PENDING' },
        })
        .sort({ id: 1 })
        .limit(limit)
        .lean<ApprovalDoc[]>(),

    /** Claims the resumption of a decided approval's paused run; null when already claimed. */
    markResumed: (id: number, now: Date) =>
      model
        .findOneAndUpdate(
          { id, run: { $ne: null }, 'run.resumedAt': null, status: { $ne: 'PENDING' } },
          { $set: { 'run.resumedAt': now } },
          { returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    /** Open approvals, newest first, a page at a time (`cursor`: ids below it). */
    pending: (now: Date, page: { limit: number; cursor?: number }) =>
      model
        .find({
          status: 'PENDING',
          expiresAt: { $gt: now },
          ...(page.cursor ? { id: { $lt: page.cursor } } : {}),
        })
        .sort({ id: -1 })
        .limit(page.limit)
        .lean<ApprovalDoc[]>(),

    countPending: (now: Date) =>
      model.countDocuments({ status: 'PENDING', expiresAt: { $gt: now } }),

    async list(q: { status?: ApprovalStatus; agent?: string; cursor?: number; limit: number }) {
      const filter: QueryFilter<ApprovalDoc> = {};
      if (q.status) filter.status = q.status;
      if (q.agent) filter.agent = q.agent;
      if (q.cursor) filter.id = { $lt: q.cursor };
      const docs = await model
        .find(filter)
        .sort({ id: -1 })
        .limit(q.limit + 1)
        .lean<ApprovalDoc[]>();
      const more = docs.length > q.limit;
      const page = docs.slice(0, q.limit);
      return { docs: page, nextCursor: more ? (page.at(-1)?.id ?? null) : null };
    },

    /**
     * PENDING and unexpired → decided; null when someone else got there first (or it expired),
     * or when `extra.link` was used on it already: the link's use is recorded in this same update.
     */
    decide: (
      id: number,
      status: 'APPROVED' | 'DENIED',
      by: string,
      now: Date,
      comment: string | null = null,
      extra: { via?: string; editedArgs?: Record<string, unknown>; link?: string } = {},
    ) =>
      model
        .findOneAndUpdate(
          { id, status: 'PENDING', expiresAt: { $gt: now }, ...linkUnused(extra.link) },
          {
            $set: {
              status,
              decidedAt: now,
              decidedBy: by,
              comment,
              ...(extra.via ? { decidedVia: extra.via } : {}),
              ...(extra.editedArgs ? { editedArgs: extra.editedArgs } : {}),
            },
            ...linkUse(extra.link),
          },
          { returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    /**
     * One person's approval toward a quorum: added once per person while the approval is open;
     * null when this person already voted, it is decided or expired, or `link` was used on it
     * already (its use is recorded with the vote, in one update).
     */
    vote: (id: number, vote: ApprovalVote, now: Date, link?: string) =>
      model
        .findOneAndUpdate(
          {
            id,
            status: 'PENDING',
            expiresAt: { $gt: now },
            'votes.by': { $ne: vote.by },
            'votes.who': { $ne: voterIdentity(vote.by) },
            ...linkUnused(link),
          },
          {
            $push: {
              votes: { ...vote, who: voterIdentity(vote.by) },
              ...(link === undefined ? {} : { linkUses: link }),
            },
          },
          { returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    /** Open approvals whose SLA lapsed, each claimed once (escalatedAt set) by whoever gets it. */
    claimEscalation: (now: Date) =>
      model
        .findOneAndUpdate(
          { status: 'PENDING', escalateAt: { $lte: now }, escalatedAt: null },
          { $set: { escalatedAt: now } },
          { returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    /** PENDING → EXPIRED (timeouts and overdue sweeps); null when it was no longer pending. */
    expire: (id: number, by: string | null, now: Date) =>
      model
        .findOneAndUpdate(
          { id, status: 'PENDING' },
          { $set: { status: 'EXPIRED', decidedAt: now, decidedBy: by } },
          { returnDocument: 'after' },
        )
        .lean<ApprovalDoc | null>(),

    overdue: (now: Date) =>
      model
        .find({ status: 'PENDING', expiresAt: { $lte: now } }, { _id: 0, id: 1 })
        .lean<Array<{ id: number }>>(),

    async deleteAll(): Promise<void> {
      await model.deleteMany({});
      ids.reset();
    },
  };
}
export type ApprovalsRepo = ReturnType<typeof createApprovalsRepo>;
