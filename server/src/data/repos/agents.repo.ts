import type { Model } from 'mongoose';
import type { AgentStatus } from '@aegis/shared';
import type { AgentDoc } from '../models/agent.model';

export type AgentProfile = Pick<AgentDoc, 'owner' | 'description' | 'framework'>;

/** Agents: profile, kill-switch status and the policy version kept on the agent document. */
export function createAgentsRepo(model: Model<AgentDoc>) {
  return {
    findByName: (name: string) => model.findOne({ name }).lean<AgentDoc | null>(),
    list: () => model.find({}).sort({ name: 1 }).lean<AgentDoc[]>(),

    /** Inserts a new agent; throws the driver's duplicate-key error if the name exists. */
    async create(name: string, profile: AgentProfile): Promise<AgentDoc> {
      const now = new Date();
      const doc: AgentDoc = {
        name,
        status: 'ACTIVE',
        ...profile,
        policyVersion: 0,
        createdAt: now,
        updatedAt: now,
      };
      await model.collection.insertOne({ ...doc });
      return doc;
    },

    /** The profile's free text; the owner changes through setOwner (rules read it). */
    updateProfile: (name: string, profile: Omit<AgentProfile, 'owner'>) =>
      model
        .findOneAndUpdate(
          { name },
          { $set: { ...profile, updatedAt: new Date() } },
          { returnDocument: 'after' },
        )
        .lean<AgentDoc | null>(),

    /** Sets the owner (callers bump the policy version: rules read `agent.owner`). */
    setOwner: (name: string, owner: string) =>
      model.updateOne({ name }, { $set: { owner, updatedAt: new Date() } }),

    /** Replaces the agent's labels (callers bump the policy version: labels select rules). */
    setLabels: (name: string, labels: Record<string, string>) =>
      model.updateOne({ name }, { $set: { labels, updatedAt: new Date() } }),

    /** Sets the status if it differs; null when it was already that (or the agent is unknown). */
    setStatus: (name: string, status: AgentStatus) =>
      model
        .findOneAndUpdate(
          { name, status: { $ne: status } },
          { $set: { status, updatedAt: new Date() } },
          { returnDocument: 'after' },
        )
        .lean<AgentDoc | null>(),

    /** Returns the new version. */
    async bumpPolicyVersion(name: string): Promise<number> {
      const doc = await model
        .findOneAndUpdate(
          { name },
          { $inc: { policyVersion: 1 }, $set: { updatedAt: new Date() } },
          { returnDocument: 'after' },
        )
        .lean<AgentDoc | null>();
      return doc?.policyVersion ?? 0;
    },

    count: (status?: AgentStatus) => model.countDocuments(status ? { status } : {}),
    deleteAll: async () => void (await model.deleteMany({})),
  };
}
export type AgentsRepo = ReturnType<typeof createAgentsRepo>;
