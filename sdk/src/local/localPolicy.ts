import {
  applicableRules,
  dlpNamesRead,
  evaluatePolicy,
  factNeedsFor,
  needsServerState,
  policyDlpFindings,
  scanAndMask,
  scanValue,
  scanValueFor,
  selectDetectors,
  type DetectorSelection,
  type PolicyAgent,
  type PolicyDecision,
  type PolicyFacts,
} from '@aegis/shared';
import type { ToolMeta } from '../types';
import type { Entry } from './snapshots';

/** A call as local mode evaluates it. */
export interface LocalCall {
  agent: string;
  action: string;
  args: Readonly<Record<string, unknown>>;
  tool?: ToolMeta;
}

/**
 * What local mode makes of a call: a decision it may act on, or the server's turn — REVIEW (a
 * person has to see it), or a rule that reads state only the database has (`history`, `session`:
 * other processes' calls count too, so this process's memory can't answer them).
 */
export type LocalAnswer =
  | { kind: 'decided'; decision: PolicyDecision; maskedArgs?: Record<string, unknown> }
  | { kind: 'server'; why: 'review' | 'server-state'; decision?: PolicyDecision };

/**
 * What deciding one action needs, beyond the call: worked out once per snapshot (it depends only
 * on the agent's compiled policy set, its owner and labels, and the action), not per call.
 */
interface ActionPlan {
  /** A rule reads history or session: only the server can answer. */
  serverState: boolean;
  /**
   * How the arguments are scanned for the `dlp` facts: not at all (no rule reads `dlp`), fully
   * (a rule reads `dlp.count`, or a name computed at run time), or only as far as the detectors
   * the rules name (`dlp.found('secret')`: see `scanValueFor`).
   */
  dlp: 'none' | 'all' | DetectorSelection;
}

// An agent calls a handful of actions; the bound only stops made-up names from piling up.
const MAX_PLANS = 4096;
const plans = new WeakMap<Entry, Map<string, ActionPlan>>();
const agents = new WeakMap<Entry, PolicyAgent>();
const NO_TAGS: readonly string[] = Object.freeze([]);

function agentOf(entry: Entry, name: string): PolicyAgent {
  let agent = agents.get(entry);
  if (!agent) {
    agent = { name, owner: entry.owner, labels: entry.labels };
    agents.set(entry, agent);
  }
  return agent;
}

function planFor(entry: Entry, agent: PolicyAgent, action: string): ActionPlan {
  let byAction = plans.get(entry);
  if (!byAction) {
    byAction = new Map();
    plans.set(entry, byAction);
  }
  let plan = byAction.get(action);
  if (plan) return plan;
  const needs = factNeedsFor(entry.set, agent, action);
  let dlp: ActionPlan['dlp'] = 'none';
  if (needs.dlp) {
    const names = new Set<string>();
    for (const rule of applicableRules(entry.set, agent, action)) {
      const read = rule.needs.dlp && rule.program ? dlpNamesRead(rule.program.ast) : [];
      if (read === null) {
        dlp = 'all';
        break;
      }
      for (const name of read) names.add(name);
    }
    if (dlp !== 'all') dlp = selectDetectors(names, entry.set.detectors);
  }
  plan = { serverState: needsServerState(needs), dlp };
  if (byAction.size >= MAX_PLANS) byAction.clear();
  byAction.set(action, plan);
  return plan;
}

/**
 * The tags rules see, as the server has them: the call's own and those declared for the tool in
 * the agent's manifest (a call that leaves a declared tag out does not shed it).
 */
export function tagsOf(entry: Pick<Entry, 'toolTags'>, call: Pick<LocalCall, 'action' | 'tool'>): readonly string[] {
  const sent = call.tool?.tags;
  const declared = entry.toolTags.get(call.action);
  if (!declared) return sent ?? NO_TAGS;
  if (!sent?.length) return declared;
  return [...new Set([...sent, ...declared])];
}

/**
 * The same evaluation as the server's (`evaluatePolicy` over the set `compileEffective` built),
 * from the pushed snapshot: kill-switch, rules, precedence, default, fail-closed conditions. DLP
 * facts come from scanning the arguments here, as the server scans them.
 */
export function decideLocally(entry: Entry, call: LocalCall, now: Date = new Date()): LocalAnswer {
  const agent = agentOf(entry, call.agent);
  const policyCall = {
    agent,
    action: call.action,
    args: call.args,
    tool: { tags: tagsOf(entry, call), description: call.tool?.description ?? '' },
  };
  if (entry.status === 'PAUSED') return { kind: 'decided', decision: evaluatePolicy(entry.set, policyCall, { status: 'PAUSED' }) };
  const plan = planFor(entry, agent, call.action);
  if (plan.serverState) return { kind: 'server', why: 'server-state' };
  let facts: PolicyFacts | undefined;
  if (plan.dlp !== 'none') {
    const custom = entry.set.detectors;
    const findings = plan.dlp === 'all' ? scanValue(call.args, { custom }) : scanValueFor(call.args, plan.dlp, { custom });
    facts = { dlp: policyDlpFindings({ args: findings }) };
  }
  const decision = evaluatePolicy(entry.set, policyCall, { status: entry.status, facts, now });
  if (decision.verdict === 'REVIEW') return { kind: 'server', why: 'review', decision };
  if (!decision.redactArgs) return { kind: 'decided', decision };
  // REDACT: the tool runs with what DLP finds masked — the same scan and masks as the server's.
  const { masked } = scanAndMask(call.args, { custom: entry.set.detectors });
  return { kind: 'decided', decision, maskedArgs: masked as Record<string, unknown> };
}
