import { z } from 'zod';
import { actionName, agentName, isoTime } from './common';

export const ruleType = z.enum(['ALLOW', 'BLOCK', 'REVIEW']);
export type RuleType = z.infer<typeof ruleType>;

export const policyRule = z.object({
  agent: agentName,
  action: actionName,
  rule: ruleType,
  updatedAt: isoTime,
});
export type PolicyRule = z.infer<typeof policyRule>;

/** An agent's whole policy, grouped the way the seed shows it; each list sorted. */
export const policyLists = z.object({
  allowed: z.array(actionName),
  blocked: z.array(actionName),
  review: z.array(actionName),
});
export type PolicyLists = z.infer<typeof policyLists>;

export const agentPolicy = policyLists.extend({
  agent: agentName,
  version: z.number().int().nonnegative().describe('Bumped on every change; approvals are bound to it'),
});
export type AgentPolicy = z.infer<typeof agentPolicy>;

/**
 * The dashboard's reading of an agent's policy: each action under the effect it has when no
 * condition matches, and the conditional rules (agent or global) that may decide it otherwise.
 */
export const agentPolicyView = agentPolicy.extend({
  conditional: z.array(
    z.object({
      action: actionName,
      rules: z.array(z.string()).describe('Ids of the conditional rules that may decide this action otherwise'),
    }),
  ),
});
export type AgentPolicyView = z.infer<typeof agentPolicyView>;
