import type { Model, QueryFilter } from 'mongoose';
import type { ProposalStatus, RuleChange } from '@aegis/shared';
import type { CounterDoc } from '../models/counter.model';
import type { ProposalDoc } from '../models/proposal.model';
import { IdAllocator } from './idAllocator';

/** Proposed policy changes. Deciding is one conditional update, so a proposal is decided once. */
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
    }): Promise<ProposalDoc> {
      const doc: ProposalDoc = {
        id: await ids.next(),
        ...input,
        status: 'PENDING',
        createdAt: new Date(),
        decidedAt: null,
        decidedBy: null,
      };
      await model.collection.insertOne({ ...doc });
      return doc;
    },

    get: (id: number) => model.findOne({ id }).lean<ProposalDoc | null>(),

    /** Whether any proposal was ever made for the agent. */
    anyFor: async (agent: string) => (await model.exists({ agent })) !== null,

    /** The agent's newest proposal that is still pending or was rejected (what a re-registration is compared with). */
    latestOpenOrRejected: (agent: string) =>
      model
        .findOne({ agent, status: { $in: ['PENDING', 'REJECTED'] } })
        .sort({ id: -1 })
        .lean<ProposalDoc | null>(),

    list(q: { status?: ProposalStatus; agent?: string; limit: number }) {
      const filter: QueryFilter<ProposalDoc> = {};
      if (q.status) filter.status = q.status;
      if (q.agent) filter.agent = q.agent;
      return model.find(filter).sort({ id: -1 }).limit(q.limit).lean<ProposalDoc[]>();
    },

    /** PENDING → `status`; null when it was no longer pending (decided or superseded meanwhile). */
    decide: (id: number, status: Exclude<ProposalStatus, 'PENDING'>, by: string | null) =>
      model
        .findOneAndUpdate(
          { id, status: 'PENDING' },
          { $set: { status, decidedAt: new Date(), decidedBy: by } },
          { returnDocument: 'after' },
        )
        .lean<ProposalDoc | null>(),

    async deleteAll(): Promise<void> {
      await model.deleteMany({});
      ids.reset();
    },
  };
}
export type ProposalsRepo = ReturnType<typeof createProposalsRepo>;
