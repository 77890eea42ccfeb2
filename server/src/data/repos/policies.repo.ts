import type { Model } from 'mongoose';
import type { RuleType } from '@aegis/shared';
import type { PolicyDoc, RuleSource } from '../models/policy.model';

/** Policy rules, one document per agent + action (unique). */
export function createPoliciesRepo(model: Model<PolicyDoc>) {
  const repo = {
    forAgent: (agent: string) => model.find({ agent }).sort({ action: 1 }).lean<PolicyDoc[]>(),

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
     * Makes the agent's code-declared rules exactly `desired`: declared actions get their rule
     * (code wins over a reviewer's rule for an action the code names), code rules no longer
     * declared are removed, reviewer rules for undeclared actions stay. Returns whether anything changed.
     */
    async replaceCodeRules(
      agent: string,
      desired: ReadonlyMap<string, RuleType>,
    ): Promise<boolean> {
      const existing = await repo.forAgent(agent);
      let changed = false;
      for (const doc of existing) {
        if (doc.source === 'code' && !desired.has(doc.action)) {
          await model.deleteOne({ agent, action: doc.action });
          changed = true;
        }
      }
      const byAction = new Map(existing.map((d) => [d.action, d]));
      for (const [action, rule] of desired) {
        const current = byAction.get(action);
        if (current && current.rule === rule && current.source === 'code') continue;
        await model.updateOne(
          { agent, action },
          { $set: { rule, source: 'code', updatedAt: new Date() } },
          { upsert: true },
        );
        changed = true;
      }
      return changed;
    },

    deleteAll: async () => void (await model.deleteMany({})),
  };
  return repo;
}
export type PoliciesRepo = ReturnType<typeof createPoliciesRepo>;
