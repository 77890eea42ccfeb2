import type { PolicyLists, RuleType } from '../schemas/policy';
import type { AgentPolicyDocument, PolicyRuleSpec } from '../schemas/policyRules';
import type { PolicyAgent } from './compile';
import { better, Bindings, decideAmong } from './evaluate';
import { asPolicySet, type PolicySet } from './policySet';
import type { CompiledPolicy } from './compile';
import { isGlob } from './glob';

/**
 * The seed's flat lists are rules without conditions. These convert both ways: lists → an agent
 * policy, and a policy → what the seed's per-action read (`GET /sdk/policy/{agent}/{action}`) and
 * list shapes should say. A client that reads a list decides by itself without arguments, so an
 * action whose outcome depends on a condition reads as REVIEW: that client then asks the server,
 * which decides with the arguments.
 */

// The reasons are the seed's own words, so an agent with only lists reads exactly what it read before.
const SEED_RULES: { list: keyof PolicyLists; id: string; effect: RuleType; reason: string }[] = [
  { list: 'allowed', id: 'seed-allowed', effect: 'ALLOW', reason: 'Policy allows {{ action }}' },
  { list: 'blocked', id: 'seed-blocked', effect: 'BLOCK', reason: 'Policy blocks {{ action }}' },
  { list: 'review', id: 'seed-review', effect: 'REVIEW', reason: 'Policy requires human review for {{ action }}' },
];

/** Seed lists as an agent policy: one rule per non-empty list; anything else goes to REVIEW. */
export function agentPolicyFromLists(agent: string, lists: Partial<PolicyLists>): AgentPolicyDocument {
  const rules: PolicyRuleSpec[] = [];
  for (const { list, id, effect, reason } of SEED_RULES) {
    const actions = [...new Set(lists[list] ?? [])].sort();
    if (actions.length) rules.push({ id, actions, effect, reason });
  }
  return { kind: 'AgentPolicy', agent, rules };
}

/**
 * What the seed's per-action read says for this agent and action: the effect when no condition
 * can change it, REVIEW when one can (BLOCK stays BLOCK when no condition could overrule it).
 */
export function seedRuleFor(compiled: PolicySet | CompiledPolicy, agent: PolicyAgent, action: string): RuleType {
  return readAction(compiled, agent, action).read;
}

/** How an action reads without its arguments, and the conditional rules that could change it. */
export interface ActionReading {
  /** The effect when no condition matches. */
  fixed: RuleType;
  /** Conditional rules (by id) that may decide a call otherwise; empty when none can. */
  conditional: string[];
  /** What a client deciding from lists must do: `fixed`, or REVIEW when a condition may change it. */
  read: RuleType;
}

export function readAction(compiled: PolicySet | CompiledPolicy, agent: PolicyAgent, action: string): ActionReading {
  const set = asPolicySet(compiled);
  const { global, agent: own } = set.candidates(action);
  const forAgent = global.filter((r) => !r.matchesAgent || r.matchesAgent(agent));
  const conditional = [...forAgent, ...own].filter((r) => r.program);
  const bindings = new Bindings({ agent, action }, {});
  const fixedGlobal = decideAmong(forAgent.filter((r) => !r.program), agent, bindings, []);
  let fixed = fixedGlobal;
  if (fixedGlobal?.effect !== 'BLOCK') {
    const fixedAgent = decideAmong(own.filter((r) => !r.program), agent, bindings, []);
    if (fixedAgent && better(fixed, fixedAgent)) fixed = fixedAgent;
  }
  // REDACT needs the arguments (to mask them): a client deciding from lists must ask the server.
  const outcome = fixed?.effect === 'REDACT' ? 'REVIEW' : (fixed?.effect ?? set.defaultEffect);
  if (conditional.length === 0) return { fixed: outcome, conditional: [], read: outcome };
  let deciding = conditional;
  if (fixed?.effect === 'BLOCK') {
    const finalGlobal = fixed === fixedGlobal;
    deciding = conditional.filter((r) => r.priority > fixed.rule.priority && !(finalGlobal && r.scope === 'agent'));
    if (deciding.length === 0) return { fixed: 'BLOCK', conditional: [], read: 'BLOCK' };
  }
  return { fixed: outcome, conditional: [...new Set(deciding.map((r) => r.id))], read: 'REVIEW' };
}

/** Lists by the effect without conditions, and the conditional rules beside each action they may change. */
export type PolicyView = PolicyLists & { conditional: { action: string; rules: string[] }[] };

/**
 * The dashboard's reading of an agent's policy: each action under the effect it has when no
 * condition matches, and beside it the conditional rules that may decide a call otherwise (the
 * seed's list shape folds those actions into REVIEW, which would tell a person that someone must
 * approve every call of an action that normally just runs).
 */
export function policyViewFor(
  compiled: PolicySet | CompiledPolicy,
  agent: PolicyAgent,
  actions?: readonly string[],
): PolicyView {
  const view: PolicyView = {
    allowed: [],
    blocked: [],
    review: [],
    conditional: [],
  };
  for (const action of [...new Set(actions ?? actionsNamed(compiled))].sort()) {
    const { fixed, conditional } = readAction(compiled, agent, action);
    if (fixed === 'ALLOW') view.allowed.push(action);
    else if (fixed === 'BLOCK') view.blocked.push(action);
    else view.review.push(action);
    if (conditional.length > 0) view.conditional.push({ action, rules: conditional });
  }
  return view;
}

/** Every exact action name the policies mention (globs can't be listed). */
export function actionsNamed(compiled: PolicySet | CompiledPolicy): string[] {
  const set = asPolicySet(compiled);
  const names = new Set<string>();
  for (const p of [set.global, set.agent]) for (const r of p?.rules ?? []) for (const a of r.actions) if (!isGlob(a)) names.add(a);
  return [...names].sort();
}

/** The seed's list shape for an agent: each action (default: every action named) under what it reads as. */
export function seedListsFor(compiled: PolicySet | CompiledPolicy, agent: PolicyAgent, actions?: readonly string[]): PolicyLists {
  const lists: PolicyLists = { allowed: [], blocked: [], review: [] };
  for (const action of [...new Set(actions ?? actionsNamed(compiled))].sort()) {
    const effect = seedRuleFor(compiled, agent, action);
    if (effect === 'ALLOW') lists.allowed.push(action);
    else if (effect === 'BLOCK') lists.blocked.push(action);
    else lists.review.push(action);
  }
  return lists;
}
