import {
  actionsNamed,
  seedListsFor,
  policyViewFor,
  readAction,
  type AgentPolicy,
  type AgentPolicyView,
  type AgentPolicyDocument,
  type CompiledPolicy,
  type GlobalPolicyDocument,
  type LocalPolicyRules,
  type PolicyAgent,
  type Principal,
  type RuleType,
} from '@aegis/shared';
import type { Services } from './types';
import type { ServiceDeps } from './deps';
import { ACTION, noteAction } from './actions';
import { unknownAgent } from './errors';
import { declaredToolTags } from './policyCache';

/** Where a person's rule change came from, when not the policy editor. */
export interface RuleVia {
  /** "Always allow" / "always block" on this approval. */
  approvalId: number;
}

const show = (rule: RuleType | null) => rule ?? 'no rule';

/** Every action an agent's policy names: its list rules and the rule documents' exact names. */
const namedActions = (snap: { rules: ReadonlyMap<string, unknown>; set: Parameters<typeof actionsNamed>[0] }) => [
  ...snap.rules.keys(),
  ...actionsNamed(snap.set),
];

/**
 * Policy rules. A person's rule (set from the dashboard or promoted from an approval) is stored
 * as a `reviewer` rule, which re-registering the agent from code leaves alone. Every change a
 * person makes is recorded: old rule → new rule, with the policy version it produced.
 */
export function createPolicyService(
  deps: ServiceDeps,
): Pick<Services['policies'], 'forAgent' | 'viewForAgent' | 'rules' | 'set' | 'remove' | 'localRules'> & {
  change(
    agent: string,
    apply: () => Promise<boolean>,
    action?: string | null,
    author?: string | null,
  ): Promise<AgentPolicy>;
  bump(
    agent: string,
    action: string | null,
    meta?: { document?: AgentPolicyDocument | null; author?: string | null; message?: string | null },
  ): Promise<number>;
  set(
    agent: string,
    action: string,
    rule: RuleType,
    actor: Principal,
    via?: RuleVia,
  ): Promise<AgentPolicy>;
} {
  const { repos, bus, cache, locks } = deps;

  /**
   * The seed's list shape: every action the policy names under what it reads as without the
   * call's arguments — an action a condition could decide otherwise reads as REVIEW, so a client
   * that decides from lists asks the server (which decides with the arguments).
   */
  async function forAgent(agent: string): Promise<AgentPolicy> {
    const snap = await cache.get(agent);
    if (!snap) throw unknownAgent(agent);
    const lists = snap.document || snap.global.compiled
      ? seedListsFor(snap.set, snap.agent, namedActions(snap))
      : snap.lists;
    return { agent, version: snap.version, ...lists };
  }

  async function viewForAgent(agent: string, used: readonly string[] = []) {
    const snap = await cache.get(agent);
    if (!snap) throw unknownAgent(agent);
    const view: AgentPolicyView = {
      agent,
      version: snap.version,
      ...policyViewFor(snap.set, snap.agent, namedActions(snap)),
    };
    const readings = new Map<string, { effect: RuleType; conditional: string[] }>();
    for (const action of used) {
      const { fixed, conditional } = readAction(snap.set, snap.agent, action);
      readings.set(action, { effect: fixed, conditional });
    }
    return { view, used: readings };
  }

  /** What local mode compiles and evaluates itself: the same parts the server's set is built from. */
  async function localRules(agent: string): Promise<LocalPolicyRules> {
    const snap = await cache.get(agent);
    if (!snap) throw unknownAgent(agent);
    const { document, compiled, version } = snap.global;
    const self = snap.agent;
    return {
      version: snap.version,
      owner: snap.owner,
      labels: snap.agent.labels ?? {},
      lists: snap.lists,
      document: snap.document,
      global: { version, document: document && compiled ? selecting(document, compiled, self) : null },
      toolTags: Object.fromEntries([...snap.toolTags].map(([tool, tags]) => [tool, [...tags]])),
    };
  }

  /**
   * Bumps the version, keeps the new version (lists and rule document) in the history — reports
   * are checked against the version they claim, rollbacks restore one — and tells everyone; runs
   * under the agent's lock. `meta.document` undefined keeps the current rule document.
   */
  async function bump(
    agent: string,
    action: string | null,
    meta: { document?: AgentPolicyDocument | null; author?: string | null; message?: string | null } = {},
  ): Promise<number> {
    const version = await repos.agents.bumpPolicyVersion(agent);
    const document =
      meta.document !== undefined ? meta.document : ((await repos.policyHistory.get(agent, version - 1))?.document ?? null);
    const declared = await repos.governance.declarationOf(agent);
    await repos.policyHistory.record(agent, version, await repos.policies.forAgent(agent), {
      document,
      // reports naming this version are checked with the tags declared then
      toolTags: declaredToolTags(declared?.declaration?.tools),
      author: meta.author ?? null,
      message: meta.message ?? null,
    });
    cache.invalidate(agent);
    bus.emitChange({ type: 'policy.changed', agent, action, version });
    return version;
  }

  /**
   * Runs one rule change under the agent's lock; bumps the version and tells everyone if it
   * changed. `author`: the person who made it (null: the agent's code), kept with the version.
   */
  function change(
    agent: string,
    apply: () => Promise<boolean>,
    action: string | null = null,
    author: string | null = null,
  ): Promise<AgentPolicy> {
    return locks.run(`agent:${agent}`, async () => {
      if (!(await repos.agents.findByName(agent))) throw unknownAgent(agent);
      if (await apply()) await bump(agent, action, { author });
      return forAgent(agent);
    });
  }

  /** A person's change of one rule (`to` null: removed), recorded when it changed anything. */
  function personChange(
    agent: string,
    action: string,
    to: RuleType | null,
    actor: Principal,
    via?: RuleVia,
  ): Promise<AgentPolicy> {
    return locks.run(`agent:${agent}`, async () => {
      if (!(await repos.agents.findByName(agent))) throw unknownAgent(agent);
      const before = (await repos.policies.forAgent(agent)).find((r) => r.action === action);
      const from = before?.rule ?? null;
      const changed =
        to === null
          ? await repos.policies.remove(agent, action)
          : await repos.policies.upsert(agent, action, to, 'reviewer');
      if (changed) {
        const version = await bump(agent, action, { author: actor.name });
        const always = via && (to === 'ALLOW' ? ACTION.alwaysAllow : ACTION.alwaysBlock);
        const source = via ? ` from approval #${via.approvalId}` : '';
        await noteAction(
          repos,
          {
            agent,
            status: 'POLICY',
            action: always || ACTION.policy,
            details: `${action}: ${show(from)} → ${show(to)} (policy v${version}) by ${actor.name}${source}`,
            params: { action, from, to, version },
            approvalId: via?.approvalId ?? null,
          },
          actor,
        );
      }
      return forAgent(agent);
    });
  }

  return {
    forAgent,
    viewForAgent,
    localRules,
    bump,
    change,
    async rules(agent) {
      const [doc, rules] = await Promise.all([
        repos.agents.findByName(agent),
        repos.policies.rulesOf(agent),
      ]);
      if (!doc) throw unknownAgent(agent);
      return rules;
    },
    set: (agent: string, action: string, rule: RuleType, actor: Principal, via?: RuleVia) =>
      personChange(agent, action, rule, actor, via),
    remove: (agent, action, actor) => personChange(agent, action, null, actor),
  };
}
export type PolicyService = ReturnType<typeof createPolicyService>;

/**
 * The global document with only the rules that select `agent` (call and result rules alike), in
 * their order: evaluating it for this agent gives what the whole document gives.
 */
function selecting(document: GlobalPolicyDocument, compiled: CompiledPolicy, agent: PolicyAgent): GlobalPolicyDocument {
  const applies = (r: { matchesAgent?: (a: PolicyAgent) => boolean }) => !r.matchesAgent || r.matchesAgent(agent);
  const ids = new Set([...compiled.rules.filter(applies), ...compiled.resultRules.filter(applies)].map((r) => r.id));
  return { ...document, rules: document.rules.filter((r) => ids.has(r.id)) };
}
