import {
  type AgentLabels,
  type AgentPolicy,
  type PolicyProposal,
  type Principal,
  type RuleChange,
  type RuleType,
} from '@aegis/shared';
import type { StoredRule } from '../data/repos/policies.repo';
import { ACTION, noteAction } from './actions';
import type { ServiceDeps } from './deps';
import type { PolicyService } from './policies';

/** AEGIS_AGENT_REGISTRATION: `review` makes even an agent's first declared policy a proposal. */
export type RegistrationMode = 'open' | 'review';

// No rule means review, so REVIEW and "no rule" are equally strict.
const strictness = (rule: RuleType | null) => (rule === 'ALLOW' ? 0 : rule === 'BLOCK' ? 2 : 1);

/** A new ALLOW, BLOCK → REVIEW/ALLOW or REVIEW → ALLOW: the change gives the agent more power. */
export const loosens = (c: RuleChange) => strictness(c.to) < strictness(c.from);

const describe = (c: RuleChange) => `${c.action}: ${c.from ?? 'no rule'} → ${c.to ?? 'no rule'}`;

const showLabels = (labels: AgentLabels) =>
  Object.keys(labels).length ? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ') : 'none';
const describeLabels = (c: { from: AgentLabels; to: AgentLabels }) => `labels: ${showLabels(c.from)} → ${showLabels(c.to)}`;

export function sameLabels(a: AgentLabels, b: AgentLabels): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * The changes that make the agent's code rules what its code declares (`partial`: only the
 * declared actions, nothing removed). People's rules are left alone: they win over code.
 */
export function planCodeRules(
  current: StoredRule[],
  desired: ReadonlyMap<string, RuleType>,
  partial = false,
): RuleChange[] {
  const byPerson = new Set(current.filter((r) => r.source !== 'code').map((r) => r.action));
  const code = new Map(current.filter((r) => r.source === 'code').map((r) => [r.action, r.rule]));
  const changes: RuleChange[] = [];
  if (!partial) {
    for (const [action, rule] of code)
      if (!desired.has(action)) changes.push({ action, from: rule, to: null });
  }
  for (const [action, rule] of desired) {
    if (byPerson.has(action)) continue;
    const from = code.get(action) ?? null;
    if (from !== rule) changes.push({ action, from, to: rule });
  }
  return changes.sort((a, b) => a.action.localeCompare(b.action));
}

const sameChanges = (a: RuleChange[], b: RuleChange[]) =>
  a.length === b.length &&
  a.every((c, i) => c.action === b[i]?.action && c.from === b[i]?.from && c.to === b[i]?.to);

export interface Declared {
  policy: AgentPolicy;
  changed: boolean;
  proposal: PolicyProposal | null;
  notice: string | null;
}

/**
 * What an agent's code declares about its policy. A person's key (an admin running the SDK)
 * declares with a person's authority. An agent key may write its agent's first policy — the
 * seed's model, where the code declares it: rules for actions that have none, until the agent
 * first acts — and may tighten it later; any other change that loosens it becomes a proposal an
 * admin accepts or rejects. People's rules always win.
 */
export function createRegistration(
  deps: ServiceDeps & { registration: RegistrationMode },
  policies: PolicyService,
) {
  const { repos, bus } = deps;

  /**
   * Whether the agent's policy is still its first declaration: no calls, no people involved. A
   * person involved is any version a person made — a rule document applied or rolled back, a rule
   * set, a relabel or new owner — not only a person's list rule: people's rules win over code.
   */
  async function stillFirst(agent: string, current: StoredRule[]): Promise<boolean> {
    if (deps.registration === 'review') return false;
    if (current.some((r) => r.source !== 'code')) return false;
    const [called, proposed, byPerson] = await Promise.all([
      repos.audit.hasCalls(agent),
      repos.proposals.anyFor(agent),
      repos.policyHistory.anyByPerson(agent),
    ]);
    return !called && !proposed && !byPerson;
  }

  /** Opens (or finds) the proposal for these loosening changes; null when there are none. */
  async function propose(
    agent: string,
    changes: RuleChange[],
    actor: Principal,
    baseVersion: number,
  ): Promise<PolicyProposal | null> {
    if (changes.length === 0) return null;
    // An agent re-registering on every start asks again for the same thing: one proposal, and
    // a rejected one stays rejected until the code asks for something else.
    const latest = await repos.proposals.latestOpenOrRejected(agent);
    if (latest && sameChanges(latest.changes, changes)) return latest;
    if (latest?.status === 'PENDING') await repos.proposals.decide(latest.id, 'SUPERSEDED', null);
    const created = await repos.proposals.create({
      agent,
      changes,
      proposedBy: actor.name,
      baseVersion,
    });
    const proposal = created;
    await noteAction(
      repos,
      {
        agent,
        status: 'POLICY',
        action: ACTION.propose,
        details: `Proposed by ${actor.name}, waiting for an admin (proposal #${created.id}): ${changes.map(describe).join('; ')}`,
        params: { proposal: created.id, changes },
      },
      actor,
    );
    bus.emitChange({ type: 'proposal.created', agent, proposal });
    return proposal;
  }

  return {
    /**
     * Declares the agent's code rules: `desired` is the whole declaration, or with `partial` one
     * rule at a time (the seed's /sdk/register-policy). `created`: this registration made the agent.
     */
    async declare(
      agent: string,
      desired: ReadonlyMap<string, RuleType>,
      actor: Principal,
      opts: {
        created: boolean;
        partial?: boolean;
        labels?: AgentLabels;
        /** The owner the code declares; undefined leaves it. Rules read it (`agent.owner`). */
        owner?: string;
        /** Also applied under the policy lock (the manifest's declaration); true: it changed the policy. */
        alongside?: () => Promise<boolean>;
      },
    ): Promise<Declared> {
      let applied: RuleChange[] = [];
      let proposed: RuleChange[] = [];
      let baseVersion = 0;
      let relabelled: { from: AgentLabels; to: AgentLabels } | null = null;
      let labelsRefused = false;
      let reowned = null as { from: string; to: string } | null; // set in apply: not narrowed to null
      let ownerRefused = false;
      const trusted = actor.role !== 'agent';
      const apply = async () => {
        const current = await repos.policies.forAgent(agent);
        const changes = planCodeRules(current, desired, opts.partial);
        const first = !trusted && (await stillFirst(agent, current));
        // Its first policy the code writes: rules for actions that have none yet. Changing a rule
        // that exists is a later change, even before the first call.
        const free = (c: RuleChange) => trusted || !loosens(c) || (first && c.from === null);
        applied = changes.filter(free);
        proposed = changes.filter((c) => !free(c));
        const doc = await repos.agents.findByName(agent);
        baseVersion = doc?.policyVersion ?? 0;
        const from = doc?.labels ?? {};
        if (opts.labels && !sameLabels(from, opts.labels)) {
          // Labels choose which global rules apply, so relabelling can loosen a policy as much as
          // a rule change can: an agent's code sets them only for its first policy.
          if (trusted || first) {
            await repos.agents.setLabels(agent, opts.labels);
            relabelled = { from, to: opts.labels };
          } else labelsRefused = true;
        }
        const owner = doc?.owner ?? '';
        if (opts.owner !== undefined && opts.owner !== owner) {
          // Rules read the owner (`agent.owner.endsWith(...)`): like labels, code sets it only first.
          if (trusted || first) {
            await repos.agents.setOwner(agent, opts.owner);
            reowned = { from: owner, to: opts.owner };
          } else ownerRefused = true;
        }
        await repos.policies.applyCodeChanges(agent, applied);
        const declared = opts.alongside ? await opts.alongside() : false;
        return applied.length > 0 || relabelled !== null || reowned !== null || declared;
      };
      // A person's declaration is a person's version: the code no longer writes its first policy.
      const policy = await policies.change(agent, apply, null, trusted ? actor.name : null);
      const changed = applied.length > 0 || relabelled !== null || reowned !== null;
      if (changed && !opts.created) {
        const what = [
          ...applied.map(describe),
          ...(relabelled ? [describeLabels(relabelled)] : []),
          ...(reowned ? [`owner: "${reowned.from}" → "${reowned.to}"`] : []),
        ];
        await noteAction(
          repos,
          {
            agent,
            status: 'POLICY',
            action: ACTION.register,
            details: `Declared by ${actor.name}'s code (policy v${policy.version}): ${what.join('; ')}`,
            params: {
              changes: applied,
              version: policy.version,
              ...(relabelled ? { labels: relabelled } : {}),
              ...(reowned ? { owner: reowned } : {}),
            },
          },
          actor,
        );
      }
      const proposal = await propose(agent, proposed, actor, baseVersion);
      const notices = [
        proposal
          ? `Not applied: ${proposal.changes.map(describe).join('; ')} would loosen the policy of "${agent}"; ` +
            (proposal.status === 'REJECTED'
              ? `proposal #${proposal.id} was rejected by ${proposal.decidedBy ?? 'an admin'}`
              : `proposal #${proposal.id} waits for an admin to accept it`)
          : null,
        labelsRefused
          ? `Labels not changed: "${agent}" has made calls or a person has set its policy, so its labels (which select rules) are changed by an admin`
          : null,
        ownerRefused
          ? `Owner not changed: "${agent}" has made calls or a person has set its policy, so its owner (which rules read as agent.owner) is changed by an admin`
          : null,
      ].filter((n): n is string => n !== null);
      return { policy, changed, proposal, notice: notices.length ? notices.join('. ') : null };
    },
  };
}
export type Registration = ReturnType<typeof createRegistration>;
