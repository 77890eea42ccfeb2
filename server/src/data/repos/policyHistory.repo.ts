import type { Model } from 'mongoose';
import type { RuleType } from '@aegis/shared';
import type { PolicyDoc } from '../models/policy.model';
import type { PolicyVersionDoc } from '../models/policyVersion.model';

/** Every version of every agent's policy (written when the version is bumped). */
export function createPolicyHistoryRepo(model: Model<PolicyVersionDoc>) {
  return {
    async record(agent: string, version: number, rules: PolicyDoc[]): Promise<void> {
      await model.updateOne(
        { agent, version },
        {
          $set: {
            rules: rules.map((r) => ({ action: r.action, rule: r.rule, source: r.source })),
            at: new Date(),
          },
        },
        { upsert: true },
      );
    },

    /** The rules at `version`, or null when no such version was recorded. */
    async at(agent: string, version: number): Promise<Map<string, RuleType> | null> {
      const doc = await model.findOne({ agent, version }).lean<PolicyVersionDoc | null>();
      return doc ? new Map(doc.rules.map((r) => [r.action, r.rule])) : null;
    },

    deleteAll: async () => void (await model.deleteMany({})),
  };
}
export type PolicyHistoryRepo = ReturnType<typeof createPolicyHistoryRepo>;
