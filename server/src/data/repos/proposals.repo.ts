import type { Model, QueryFilter } from 'mongoose';
import type { PolicyProposal, ProposalStatus, RuleChange } from '@aegis/shared';
import type { CounterDoc } from '../models/counter.model';
import type { ProposalDoc } from '../models/proposal.model';
import { IdAllocator } from './idAllocator';
import { toProposal } from './mappers';

const orNull = (doc: ProposalDoc | null) => (doc ? toProposal(doc) : null);

/** Proposed policy changes, returned as the API shows them. Deciding is one conditional update, so a proposal is decided once. */
export function createProposalsRepo(model: Model<ProposalDoc>, counters: Model<CounterDoc>) {
  const ids = new IdAllocator(counters, 'policy_proposals', async () => {
    const last = await model.findOne({}, { id: 1 }).sort({ id: -1 }).lean<{ id: number } | null>();
    return last?.id ?? 0;
  });

  return {
    async create(input: {
      agent: string;
      changes: RuleChange[];
      proposedBy: string;
      baseVersion: number;
    }): Promise<PolicyProposal> {
      const doc: ProposalDoc = {
        id: await ids.next(),
        ...input,
        status: 'PENDING',
        createdAt: new Date(),
        decidedAt: null,
        decidedBy: null,
      };
      await model.collection.insertOne({ ...doc });
      return toProposal(doc);
    },

    get: async (id: number) => orNull(await model.findOne({ id }).lean<ProposalDoc | null>()),

    /** Whether any proposal was ever made for the agent. */
    anyFor: async (agent: string) => (await model.exists({ agent })) !== null,

    /** The agent's newest proposal that is still pending or was rejected (what a re-registration is compared with). */
    latestOpenOrRejected: async (agent: string) =>
      orNull(
        await model
          .findOne({ agent, status: { $in: ['PENDING', 'REJECTED'] } })
          .sort({ id: -1 })
          .lean<ProposalDoc | null>(),
      ),

    async list(q: { status?: ProposalStatus; agent?: string; limit: number }) {
      const filter: QueryFilter<ProposalDoc> = {};
      if (q.status) filter.status = q.status;
      if (q.agent) filter.agent = q.agent;
      const docs = await model.find(filter).sort({ id: -1 }).limit(q.limit).lean<ProposalDoc[]>();
      return docs.map(toProposal);
    },

    /** PENDING → `status`; null when it was no longer pending (decided or superseded meanwhile). */
    decide: async (id: number, status: Exclude<ProposalStatus, 'PENDING'>, by: string | null) =>
      orNull(
        await model
          .findOneAndUpdate(
            { id, status: 'PENDING' },
            { $set: { status, decidedAt: new Date(), decidedBy: by } },
            { returnDocument: 'after' },
          )
          .lean<ProposalDoc | null>(),
      ),

    async deleteAll(): Promise<void> {
      await model.deleteMany({});
      ids.reset();
    },
  };
}
export type ProposalsRepo = ReturnType<typeof createProposalsRepo>;
