import type { AgentStatus } from './schemas/agent';
import type { PolicyLists, RuleType } from './schemas/policy';
import type { Verdict } from './schemas/decision';

/** What decide() needs to know about an agent: its kill-switch and its rules by action. */
export interface PolicySnapshot {
  status: AgentStatus;
  rules: ReadonlyMap<string, RuleType>;
}

export interface PolicyVerdict {
  verdict: Verdict;
  reason: string;
}

/**
 * The firewall's decision order (the seed's): a paused agent is KILLED; an allowed action is
 * ALLOWED; a blocked action is BLOCKED; anything else — an explicit REVIEW rule or an action the
 * policy never mentions — waits for a human. Pure, so the server and the SDK's local mode agree.
 */
export function decide(snapshot: PolicySnapshot, action: string): PolicyVerdict {
  if (snapshot.status === 'PAUSED') {
    return { verdict: 'KILLED', reason: 'Agent is paused by the kill-switch' };
  }
  const rule = snapshot.rules.get(action);
  if (rule === 'ALLOW') return { verdict: 'ALLOWED', reason: `Policy allows ${action}` };
  if (rule === 'BLOCK') return { verdict: 'BLOCKED', reason: `Policy blocks ${action}` };
  if (rule === 'REVIEW') {
    return { verdict: 'REVIEW', reason: `Policy requires human review for ${action}` };
  }
  return { verdict: 'REVIEW', reason: `${action} is not in the policy; held for human review` };
}

/** Builds the rule map from the seed-style lists; a later list wins on conflicts (block beats allow). */
export function rulesFromLists(lists: Partial<PolicyLists>): Map<string, RuleType> {
  const rules = new Map<string, RuleType>();
  for (const action of lists.review ?? []) rules.set(action, 'REVIEW');
  for (const action of lists.allowed ?? []) rules.set(action, 'ALLOW');
  for (const action of lists.blocked ?? []) rules.set(action, 'BLOCK');
  return rules;
}

/** Groups a rule map into the seed's sorted lists. */
export function listsFromRules(rules: Iterable<[string, RuleType]>): PolicyLists {
  const lists: PolicyLists = { allowed: [], blocked: [], review: [] };
  for (const [action, rule] of rules) {
    if (rule === 'ALLOW') lists.allowed.push(action);
    else if (rule === 'BLOCK') lists.blocked.push(action);
    else lists.review.push(action);
  }
  lists.allowed.sort();
  lists.blocked.sort();
  lists.review.sort();
  return lists;
}
