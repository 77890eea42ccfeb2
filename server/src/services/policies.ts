import { listsFromRules, type AgentPolicy, type Principal, type RuleType } from '@aegis/shared';
import type { Services } from './types';
import type { ServiceDeps } from './deps';
import { toPolicyRule } from '../data/repos/mappers';
import { unknownAgent } from './errors';

/**
 * Policy rules. A person's rule (set from the dashboard or promoted from an approval) is stored
 * as a `reviewer` rule, which re-registering the agent from code leaves alone.
 */
export function createPolicyService(deps: ServiceDeps): Services['policies'] & {
  change(
    agent: string,
    apply: () => Promise<boolean>,
    action?: string | null,
  ): Promise<AgentPolicy>;
} {
  const { repos, bus, cache, locks } = deps;

  async function forAgent(agent: string): Promise<AgentPolicy> {
    const [doc, rules] = await Promise.all([
      repos.agents.findByName(agent),
      repos.policies.forAgent(agent),
    ]);
    if (!doc) throw unknownAgent(agent);
    const lists = listsFromRules(rules.map((r) => [r.action, r.rule] as [string, RuleType]));
    return { agent, version: doc.policyVersion ?? 0, ...lists };
  }

  /** Runs one rule change under the agent's lock; bumps the version and tells everyone if it changed. */
  function change(
    agent: string,
    apply: () => Promise<boolean>,
    action: string | null = null,
  ): Promise<AgentPolicy> {
    return locks.run(`agent:${agent}`, async () => {
      if (!(await repos.agents.findByName(agent))) throw unknownAgent(agent);
      if (await apply()) {
        const version = await repos.agents.bumpPolicyVersion(agent);
        cache.invalidate(agent);
        bus.emitChange({ type: 'policy.changed', agent, action, version });
      }
      return forAgent(agent);
    });
  }

  return {
    forAgent,
    change,
    async rules(agent) {
      const [doc, rules] = await Promise.all([
        repos.agents.findByName(agent),
        repos.policies.forAgent(agent),
      ]);
      if (!doc) throw unknownAgent(agent);
      return rules.map(toPolicyRule);
    },
    set: (agent: string, action: string, rule: RuleType, _actor: Principal) =>
      change(agent, () => repos.policies.upsert(agent, action, rule, 'reviewer'), action),
    remove: (agent: string, action: string, _actor: Principal) =>
      change(agent, () => repos.policies.remove(agent, action), action),
  };
}
export type PolicyService = ReturnType<typeof createPolicyService>;
