import { createHash } from 'node:crypto';
import {
  auditStatus,
  DomainError,
  hasRole,
  maskedText,
  mayActAs,
  rulesFromLists,
  type AgentStatus,
  type AgentSummary,
  type Principal,
  type RegisterAgentInput,
  type StatusCounts,
} from '@aegis/shared';
import type { AgentDoc } from '../data/models/agent.model';
import type { AgentActivity } from '../data/repos/audit.repo';
import { toAgent } from '../data/repos/mappers';
import { ACTION, noteAction } from './actions';
import type { ServiceDeps } from './deps';
import { isDuplicateKey, unknownAgent } from './errors';
import type { Registration } from './registration';
import type { DeclareOutcome } from './manifests';
import type { Services } from './types';

/** The seed's computed fields: a stable id, a risk score and per-status counts. */
export function summarize(doc: AgentDoc, activity: AgentActivity | undefined): AgentSummary {
  const counts = Object.fromEntries(
    auditStatus.options.map((s) => [s, activity?.counts[s] ?? 0]),
  ) as StatusCounts;
  // the activity index counts calls only (isCall): people's actions and alerts add nothing
  const total = auditStatus.options.reduce((n, s) => n + counts[s], 0);
  const blocked = counts.BLOCKED;
  return {
    ...toAgent(doc),
    id: `AGT-${createHash('sha256').update(doc.name).digest('hex').slice(0, 8)}`,
    riskScore: total === 0 ? 0 : Math.round((blocked / total) * 1000) / 10,
    totalLogs: total,
    blockedCount: blocked,
    allowedCount: counts.ALLOWED,
    counts,
    lastActivityAt: activity?.lastActivityAt?.toISOString() ?? null,
  };
}

/**
 * Who may flip the kill-switch: reviewers and admins either way; an agent key may pause its own
 * agent — that only takes power away — but never revive it (a compromised agent could otherwise
 * undo a person's kill).
 */
export function assertMaySetStatus(actor: Principal, name: string, status: AgentStatus): void {
  if (hasRole(actor, 'reviewer')) return;
  if (actor.role === 'agent' && mayActAs(actor, name)) {
    if (status === 'PAUSED') return;
    throw new DomainError(
      'NOT_PERMITTED',
      `An agent key may pause its own agent but never revive it; ask a reviewer to set "${name}" ACTIVE`,
    );
  }
  throw new DomainError(
    'NOT_PERMITTED',
    `This key may not flip the kill-switch of "${name}" (reviewers, or the agent's own key to pause it)`,
  );
}

export function createAgentService(
  deps: ServiceDeps,
  registration: Registration,
  /** Stores the registration's declaration (manifest), under the policy lock: see manifests.ts. */
  declareManifest?: (input: RegisterAgentInput, actor: Principal) => Promise<DeclareOutcome>,
): Services['agents'] {
  const { repos, bus, cache, locks } = deps;

  const service: Services['agents'] = {
    async list() {
      const [docs, activity] = await Promise.all([repos.agents.list(), deps.activity.all()]);
      const byAgent = new Map(activity.map((a) => [a.agent, a]));
      return docs.map((doc) => summarize(doc, byAgent.get(doc.name)));
    },

    async get(name) {
      const [doc, activity] = await Promise.all([
        repos.agents.findByName(name),
        deps.activity.forAgent(name),
      ]);
      if (!doc) throw unknownAgent(name);
      return summarize(doc, activity);
    },

    async status(name) {
      return (await cache.get(name))?.status ?? null;
    },

    async toolsUsed(name) {
      return deps.activity.toolsUsed(name);
    },

    async setStatus(name, status, actor, reason) {
      assertMaySetStatus(actor, name, status);
      const changed = await locks.run(`agent:${name}`, () => repos.agents.setStatus(name, status));
      if (!changed) {
        const current = await repos.agents.findByName(name);
        if (!current) throw unknownAgent(name);
        return toAgent(current); // already so: nothing happened, nothing to record
      }
      cache.invalidate(name);
      const paused = status === 'PAUSED';
      // An agent key may pause its own agent with a reason: stored masked, like all free text.
      const said = maskedText(reason?.trim() ?? '');
      const why = said ? `: ${said}` : '';
      await noteAction(
        repos,
        {
          agent: name,
          status: paused ? 'PAUSED' : 'RESUMED',
          action: paused ? ACTION.kill : ACTION.revive,
          details: `${paused ? 'Kill-switch on' : 'Kill-switch off'} by ${actor.name}${why}`,
          params: said ? { reason: said } : null,
        },
        actor,
      );
      bus.emitChange({ type: 'agent.status', agent: name, status: changed.status });
      return toAgent(changed);
    },

    async upsertProfile(name, said) {
      // What the agent says about itself (registration, the seed's /sdk/register) is shown to
      // every viewer: masked like its arguments before it is stored or compared.
      const profile = { ...said, description: maskedText(said.description) };
      let created = false;
      let changed = false;
      const doc = await locks.run(`agent:${name}`, async () => {
        const existing = await repos.agents.findByName(name);
        if (!existing) {
          try {
            created = true;
            return await repos.agents.create(name, profile);
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
            created = false;
          }
        }
        const current = existing ?? (await repos.agents.findByName(name));
        if (!current) throw unknownAgent(name);
        // The owner is a fact rules read (agent.owner): set here only for a new agent, later
        // through registration.declare, which checks who may change it.
        const same =
          current.description === profile.description && current.framework === profile.framework;
        if (same) return current;
        changed = true;
        const { description, framework } = profile;
        return (await repos.agents.updateProfile(name, { description, framework })) ?? current;
      });
      if (created) {
        cache.invalidate(name);
        bus.emitChange({ type: 'agent.registered', agent: name });
      }
      return { agent: toAgent(doc), created, changed: created || changed };
    },

    async register(input, actor) {
      const profile = {
        owner: input.owner,
        description: input.description,
        framework: input.framework,
      };
      const { created, changed } = await service.upsertProfile(input.name, profile);
      const desired = rulesFromLists({
        allowed: input.allows,
        blocked: input.blocks,
        review: input.review,
      });
      let manifest: DeclareOutcome | null = null;
      const declared = await registration.declare(input.name, desired, actor, {
        created,
        labels: input.labels,
        owner: input.owner,
        alongside: declareManifest
          ? async () => {
              // the manifest keeps the owner in force (the declared one may have been refused)
              const owner = (await repos.agents.findByName(input.name))?.owner ?? input.owner;
              manifest = await declareManifest({ ...input, owner }, actor);
              return manifest.tagsChanged;
            }
          : undefined,
      });
      const notice = [declared.notice, (manifest as DeclareOutcome | null)?.notice ?? null].filter(Boolean).join('. ');
      const fresh = await repos.agents.findByName(input.name);
      if (!fresh) throw unknownAgent(input.name);
      return {
        agent: toAgent(fresh),
        policy: declared.policy,
        changed: changed || declared.changed,
        proposal: declared.proposal,
        notice: notice || null,
      };
    },

    declareProfile: async (agent, { labels, owner }, actor, created) => {
      const { changed, notice } = await registration.declare(agent, new Map(), actor, {
        created,
        partial: true,
        labels,
        owner,
      });
      return { changed, notice };
    },

    declareRule: (agent, action, rule, actor) =>
      registration.declare(agent, new Map([[action, rule]]), actor, {
        created: false,
        partial: true,
      }),
  };
  return service;
}
