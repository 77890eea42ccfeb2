import type { Model } from 'mongoose';
import type { PolicyRule, RuleType } from '@aegis/shared';
import type { PolicyDoc, RuleSource } from '../models/policy.model';
import { toPolicyRule } from './mappers';

/** A stored rule with where it came from (code or a person), as services see it. */
export type StoredRule = PolicyDoc;
export type { RuleSource };

/** Policy rules, one document per agent + action (unique). */
export function createPoliciesRepo(model: Model<PolicyDoc>) {
  const repo = {
    forAgent: (agent: string) => model.find({ agent }).sort({ action: 1 }).lean<StoredRule[]>(),

    /** The agent's rules as the API shows them. */
    rulesOf: async (agent: string): Promise<PolicyRule[]> => (await repo.forAgent(agent)).map(toPolicyRule),

    /** Sets one rule; returns whether anything changed. */
    async upsert(
      agent: string,
      action: string,
      rule: RuleType,
      source: RuleSource,
    ): Promise<boolean> {
      const existing = await model.findOne({ agent, action }).lean<PolicyDoc | null>();
      if (existing && existing.rule === rule && existing.source === source) return false;
      await model.updateOne(
        { agent, action },
        { $set: { rule, source, updatedAt: new Date() } },
        { upsert: true },
      );
      return true;
    },

    async remove(agent: string, action: string): Promise<boolean> {
      const res = await model.deleteOne({ agent, action });
      return res.deletedCount > 0;
    },

    /**
     * Applies changes to the agent's code-declared rules (`to` null removes one). A person's rule
     * for the action is never touched: the filter only matches code rules or no rule at all.
     */
    async applyCodeChanges(
      agent: string,
      changes: ReadonlyArray<{ action: string; to: RuleType | null }>,
    ): Promise<void> {
      for (const { action, to } of changes) {
        if (to === null) await model.deleteOne({ agent, action, source: 'code' });
        else {
          const updated = await model.updateOne(
            { agent, action, source: 'code' },
            { $set: { rule: to, updatedAt: new Date() } },
          );
          if (updated.matchedCount === 0) {
            // no code rule yet: insert one, unless a person's rule appeared meanwhile (duplicate key)
            await model.collection
              .insertOne({ agent, action, rule: to, source: 'code', updatedAt: new Date() })
              .catch((error: unknown) => {
                if ((error as { code?: unknown }).code !== 11000) throw error;
              });
          }
        }
      }
    },

    deleteAll: async () => void (await model.deleteMany({})),
  };
  return repo;
}
export type PoliciesRepo = ReturnType<typeof createPoliciesRepo>;
