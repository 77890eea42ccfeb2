import type { PolicyLists } from '../schemas/policy';
import type { AgentPolicyDocument, GlobalPolicyDocument, PolicyDocument } from '../schemas/policyRules';
import { compilePolicyOrThrow, type CompiledPolicy } from './compile';
import { policySet, type PolicySet } from './policySet';
import { agentPolicyFromLists } from './seed';

/**
 * What an agent is actually evaluated against: the rule document a person applied, plus the
 * seed's flat lists (declared by the agent's code or set per action) as rules without conditions,
 * plus the global policy. The server and the SDK's local mode build it the same way.
 */

/** Rule ids the seed lists become; an applied document may not use them. */
export const SEED_RULE_IDS: readonly string[] = ['seed-allowed', 'seed-blocked', 'seed-review'];

/** Why a document can't be stored, beyond what compiling it finds; null when it can. */
export function reservedIdProblem(doc: PolicyDocument): string | null {
  const clash = doc.rules.find((r) => SEED_RULE_IDS.includes(r.id));
  return clash ? `rule id "${clash.id}" is reserved for the agent's lists (${SEED_RULE_IDS.join(', ')})` : null;
}

/** The agent's document with its lists appended as rules. */
export function effectiveAgentDocument(
  agent: string,
  document: AgentPolicyDocument | null,
  lists: Partial<PolicyLists>,
): AgentPolicyDocument {
  const fromLists = agentPolicyFromLists(agent, lists).rules;
  return {
    kind: 'AgentPolicy',
    agent,
    ...(document?.default ? { default: document.default } : {}),
    ...(document?.detectors ? { detectors: document.detectors } : {}),
    rules: [...(document?.rules ?? []), ...fromLists],
  };
}

export interface EffectiveParts {
  agent: string;
  agentVersion: number;
  document: AgentPolicyDocument | null;
  lists: Partial<PolicyLists>;
  global: { document: GlobalPolicyDocument; version: number } | null;
}

/** Compiles the parts into the set `evaluatePolicy` takes (throws only for a document that was never valid). */
export function compileEffective(parts: EffectiveParts, compiledGlobal?: CompiledPolicy | null): PolicySet {
  const agent = compilePolicyOrThrow(effectiveAgentDocument(parts.agent, parts.document, parts.lists), { version: parts.agentVersion });
  const global =
    compiledGlobal ?? (parts.global ? compilePolicyOrThrow(parts.global.document, { version: parts.global.version }) : undefined);
  return policySet({ agent, global: global ?? undefined });
}
