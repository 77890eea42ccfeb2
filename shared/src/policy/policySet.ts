import type { ResultEffect, RuleEffect } from '../schemas/policyRules';
import type { CustomDetector } from '../dlp/custom/customDetector';
import type { CompiledPolicy, CompiledResultRule, CompiledRule, PolicyAgent } from './compile';
import { emptyNeeds, isEmptyNeeds, mergeNeeds, type FactNeeds } from './facts';
import { isGlob } from './glob';

/**
 * What one agent is evaluated against: the global policy and the agent's own, with rules indexed
 * by action so a call looks only at the rules that name its action (exact names through a map,
 * globs tested once per action name and remembered).
 */
export interface PolicySet {
  readonly global?: CompiledPolicy;
  readonly agent?: CompiledPolicy;
  /** The effect when no rule matches: the agent policy's, else the global one's, else REVIEW. */
  readonly defaultEffect: RuleEffect;
  /** The version named when the default decides: the agent policy's, else the global one's. */
  readonly defaultVersion: number;
  /** Rules naming `action`, each list in decision order (priority, then strictness, then position). */
  candidates(action: string): { global: readonly CompiledRule[]; agent: readonly CompiledRule[] };
  /** `on: result` rules of both policies (global first), in document order. */
  readonly resultRules: readonly CompiledResultRule[];
  /** Custom DLP detectors of both policies (a name declared in both: the agent's wins). */
  readonly detectors: readonly CustomDetector[];
}

/** REDACT is an ALLOW that masks: looser than a review, stricter than a plain allow. */
export const STRICTNESS: Readonly<Record<ResultEffect, number>> = { ALLOW: 0, REDACT: 1, REVIEW: 2, BLOCK: 3 };

/** Decision order: higher priority, then stricter, then earlier. */
export function compareRules(a: CompiledRule, b: CompiledRule): number {
  return b.priority - a.priority || STRICTNESS[b.effect] - STRICTNESS[a.effect] || a.order - b.order;
}

const MAX_CACHED_ACTIONS = 4096;

class ActionIndex {
  private readonly exact = new Map<string, CompiledRule[]>();
  private readonly globbed: CompiledRule[] = [];
  private readonly cache = new Map<string, readonly CompiledRule[]>();

  constructor(rules: readonly CompiledRule[]) {
    for (const rule of rules) {
      if (rule.actions.some(isGlob)) {
        this.globbed.push(rule);
        continue;
      }
      for (const action of new Set(rule.actions)) {
        const list = this.exact.get(action) ?? [];
        list.push(rule);
        this.exact.set(action, list);
      }
    }
  }

  lookup(action: string): readonly CompiledRule[] {
    const cached = this.cache.get(action);
    if (cached) return cached;
    const found = [...(this.exact.get(action) ?? []), ...this.globbed.filter((r) => r.matchesAction(action))].sort(compareRules);
    // Agents call a handful of distinct actions; the bound only stops a flood of made-up names.
    if (this.cache.size >= MAX_CACHED_ACTIONS) this.cache.clear();
    this.cache.set(action, found);
    return found;
  }
}

/** Builds the set an agent is evaluated against. Either part may be missing. */
export function policySet(parts: { global?: CompiledPolicy; agent?: CompiledPolicy }): PolicySet {
  if (parts.global && parts.global.scope !== 'global') throw new Error('policySet: "global" must be a GlobalPolicy');
  if (parts.agent && parts.agent.scope !== 'agent') throw new Error('policySet: "agent" must be an AgentPolicy');
  const globalIndex = new ActionIndex(parts.global?.rules ?? []);
  const agentIndex = new ActionIndex(parts.agent?.rules ?? []);
  return {
    global: parts.global,
    agent: parts.agent,
    defaultEffect: parts.agent?.default ?? parts.global?.default ?? 'REVIEW',
    defaultVersion: parts.agent?.version ?? parts.global?.version ?? 0,
    candidates: (action) => ({ global: globalIndex.lookup(action), agent: agentIndex.lookup(action) }),
    resultRules: [...(parts.global?.resultRules ?? []), ...(parts.agent?.resultRules ?? [])],
    detectors: mergeDetectors(parts.global?.detectors, parts.agent?.detectors),
  };
}

function mergeDetectors(global: readonly CustomDetector[] = [], agent: readonly CustomDetector[] = []): CustomDetector[] {
  const own = new Set(agent.map((d) => d.name));
  return [...global.filter((d) => !own.has(d.name)), ...agent];
}

const wrapped = new WeakMap<CompiledPolicy, PolicySet>();

/** A single compiled policy as a set (cached, so the index is built once). */
export function asPolicySet(p: PolicySet | CompiledPolicy): PolicySet {
  if ('candidates' in p) return p;
  let set = wrapped.get(p);
  if (!set) {
    set = policySet(p.scope === 'global' ? { global: p } : { agent: p });
    wrapped.set(p, set);
  }
  return set;
}

/** The rules of the set that could decide this agent's call of this action. */
export function applicableRules(set: PolicySet, agent: PolicyAgent, action: string): CompiledRule[] {
  const { global, agent: own } = set.candidates(action);
  return [...global.filter((r) => !r.matchesAgent || r.matchesAgent(agent)), ...own];
}

/**
 * What must be fetched before evaluating this call: exactly the history aggregates, session tags,
 * anomaly scores and DLP scan that the applicable rules read.
 */
export function factNeedsFor(set: PolicySet | CompiledPolicy, agent: PolicyAgent, action: string): FactNeeds {
  let needs = emptyNeeds();
  // Every decision asks this; merging allocates, and most rules need nothing.
  for (const rule of applicableRules(asPolicySet(set), agent, action)) {
    if (!isEmptyNeeds(rule.needs)) needs = mergeNeeds(needs, rule.needs);
  }
  return needs;
}
