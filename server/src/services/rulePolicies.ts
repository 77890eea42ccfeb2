import {
  canonicalJson,
  channelUses,
  compilePolicyYaml,
  DomainError,
  lineDiff,
  maskedText,
  policyDocumentYaml,
  reservedIdProblem,
  type AgentPolicyDocument,
  type AppliedPolicy,
  type CompileOptions,
  type ApplyPolicyResult,
  type CompiledPolicy,
  type GlobalPolicyDocument,
  type PolicyDocument,
  type PolicyProblem,
  type PolicyProblemOut,
  type Principal,
} from '@aegis/shared';
import { GLOBAL_POLICY } from '../data/repos/policyHistory.repo';
import { ACTION, noteAction } from './actions';
import type { ServiceDeps } from './deps';
import { unknownAgent } from './errors';
import type { PolicyService } from './policies';

const GLOBAL_LOCK = 'policy:global';
/**
 * Held by every policy apply and rollback and by a channel's removal: each checks the other's
 * state (the channels a policy names exist; no rule in force names the channel going) and then
 * writes, so without one lock around both an apply and a removal racing could each pass its check
 * and leave rules in force naming a channel that no longer exists — approvals announced to nobody.
 */
export const CHANNEL_USE_LOCK = 'policy:channels';

export const problemOut = (p: PolicyProblem): PolicyProblemOut => ({
  message: p.message,
  text: p.text,
  ...(p.ruleId ? { ruleId: p.ruleId } : {}),
  ...(p.path.length ? { path: p.path } : {}),
  ...(p.line !== undefined ? { line: p.line } : {}),
  ...(p.column !== undefined ? { column: p.column } : {}),
  ...(p.expression ? { expression: p.expression } : {}),
});

const problem = (message: string): PolicyProblemOut => ({ message, text: message });

/** Compiles YAML into documents, or the problems a person can act on (with positions). */
export function compileDocuments(
  yaml: string,
  file?: string,
  options: Pick<CompileOptions, 'checkDetectorNames' | 'knownChannels'> = {},
): { ok: true; policies: CompiledPolicy[] } | { ok: false; problems: PolicyProblemOut[] } {
  const compiled = compilePolicyYaml(yaml, file, options);
  if (!compiled.ok) return { ok: false, problems: compiled.problems.map(problemOut) };
  const problems: PolicyProblemOut[] = [];
  const seen = new Set<string>();
  for (const p of compiled.policies) {
    const reserved = reservedIdProblem(p.document);
    if (reserved) problems.push(problem(`${p.agent ?? 'GlobalPolicy'}: ${reserved}`));
    const key = p.agent ?? GLOBAL_POLICY;
    if (seen.has(key)) problems.push(problem(`${p.agent ? `agent "${p.agent}"` : 'the GlobalPolicy'} is defined twice`));
    seen.add(key);
  }
  if (compiled.policies.length === 0) problems.push(problem('no AgentPolicy or GlobalPolicy document found'));
  return problems.length ? { ok: false, problems } : { ok: true, policies: compiled.policies };
}

/**
 * Rule policies as code: apply (validate, diff, store a new immutable version with who and why,
 * audit it), rollback, and the global policy's versions. Only people reach these (admin
 * procedures): an agent key can't write a rule document, so it can't widen its own policy here.
 */
export function createRulePolicyService(deps: ServiceDeps, policies: PolicyService) {
  const { repos, cache, locks, bus } = deps;
  /** The channels there are; null when no notifier runs here (nothing to check names against). */
  const channelNames = async (): Promise<string[] | null> => (await deps.hooks?.channelNames?.()) ?? null;

  async function current(agent: string | null): Promise<{ version: number; document: PolicyDocument | null }> {
    if (agent === null) {
      const g = await cache.globalPolicy();
      return { version: g.version, document: g.document };
    }
    const snap = await cache.get(agent);
    if (!snap) throw unknownAgent(agent);
    return { version: snap.version, document: snap.document };
  }

  /** Stores `document` as the agent's (or, agent null, the global) next version; returns it. */
  async function store(
    agent: string | null,
    document: PolicyDocument | null,
    actor: Principal,
    said: string | null,
    what: 'apply' | 'rollback',
  ): Promise<number> {
    // A person's note, kept with the version and quoted in the hash-chained log: masked.
    const message = said === null ? null : maskedText(said);
    const action = what === 'apply' ? ACTION.policyApply : ACTION.policyRollback;
    if (agent !== null) {
      return locks.run(`agent:${agent}`, async () => {
        const version = await policies.bump(agent, null, {
          document: document as AgentPolicyDocument | null,
          author: actor.name,
          message,
        });
        await noteAction(
          repos,
          {
            agent,
            status: 'POLICY',
            action,
            details: `Rule policy of ${agent} → v${version} by ${actor.name}${message ? `: ${message}` : ''}`,
            params: { version, rules: document?.rules.length ?? 0, message },
          },
          actor,
        );
        return version;
      });
    }
    return locks.run(GLOBAL_LOCK, async () => {
      const version = ((await repos.policyHistory.latest(GLOBAL_POLICY))?.version ?? 0) + 1;
      await repos.policyHistory.record(GLOBAL_POLICY, version, [], { document, author: actor.name, message });
      cache.invalidate();
      bus.emitChange({ type: 'policy.global.changed', version });
      await noteAction(
        repos,
        {
          agent: '',
          status: 'POLICY',
          action,
          details: `Global policy → v${version} by ${actor.name}${message ? `: ${message}` : ''}`,
          params: { version, rules: document?.rules.length ?? 0, message },
        },
        actor,
      );
      return version;
    });
  }

  /** Validates every document first; stores nothing unless all are valid (and not on a dry run). */
  async function applyLocked(
    input: { yaml: string; file?: string; message?: string; dryRun: boolean },
    actor: Principal,
  ): Promise<ApplyPolicyResult> {
    const parsed = compileDocuments(input.yaml, input.file);
    if (!parsed.ok) return { ok: false, dryRun: input.dryRun, problems: parsed.problems, policies: [] };
    // Saved rules may only ask `dlp` about names a detector has (the global policy's custom
    // detectors are scanned for every agent: the one in this file, or the one in force).
    const global =
      parsed.policies.find((p) => p.agent === undefined)?.document ??
      (await current(null).catch(() => null))?.document;
    // A rule naming a channel nobody added would fail only at its first delivery: refused here,
    // on a dry run too, with the command that adds it.
    const knownChannels = await channelNames();
    const compiled = compileDocuments(input.yaml, input.file, {
      checkDetectorNames: { alsoKnown: (global?.detectors ?? []).map((d) => d.name) },
      ...(knownChannels ? { knownChannels } : {}),
    });
    if (!compiled.ok) return { ok: false, dryRun: input.dryRun, problems: compiled.problems, policies: [] };
    const plans: Array<{ agent: string | null; document: PolicyDocument; from: number; diff: string; changed: boolean }> = [];
    const problems: PolicyProblemOut[] = [];
    for (const p of compiled.policies) {
      const agent = p.agent ?? null;
      const now = await current(agent).catch(() => null);
      if (!now) {
        problems.push(problem(`agent "${agent}" is not registered; register it (or run it once) before applying its policy`));
        continue;
      }
      const changed = canonicalJson(now.document) !== canonicalJson(p.document);
      plans.push({
        agent,
        document: p.document,
        from: now.version,
        diff: lineDiff(policyDocumentYaml(now.document), policyDocumentYaml(p.document)),
        changed,
      });
    }
    if (problems.length) return { ok: false, dryRun: input.dryRun, problems, policies: [] };
    const applied: AppliedPolicy[] = [];
    for (const plan of plans) {
      const version =
        plan.changed && !input.dryRun
          ? await store(plan.agent, plan.document, actor, input.message ?? null, 'apply')
          : plan.from;
      applied.push({ agent: plan.agent, fromVersion: plan.from, version, changed: plan.changed, diff: plan.diff });
    }
    return { ok: true, dryRun: input.dryRun, problems: [], policies: applied };
  }

  async function rollbackLocked(agent: string | null, version: number, actor: Principal, message?: string): Promise<AppliedPolicy> {
    const now = await current(agent);
    const old = await repos.policyHistory.get(agent ?? GLOBAL_POLICY, version);
    if (!old)
      throw new DomainError(
        'UNKNOWN_POLICY_VERSION',
        `${agent ? `Policy of "${agent}"` : 'The global policy'} has no version ${version}`,
      );
    const knownChannels = await channelNames();
    if (old.document && knownChannels) {
      const known = new Set(knownChannels);
      const missing = channelUses(old.document).filter((u) => !known.has(u.channel));
      if (missing.length)
        throw new DomainError(
          'POLICY_NAMES_UNKNOWN_CHANNEL',
          `${agent ? `Version ${version} of "${agent}"'s policy` : `Version ${version} of the global policy`} ` +
            `names channels that do not exist: ${missing.map((u) => `rule "${u.ruleId}" ${u.field}: ${u.channel}`).join('; ')}. ` +
            `Add them first (\`aegis channels add NAME --webhook URL | --slack URL | --email a@x,b@y\`), ` +
            `or apply a version without them`,
        );
    }
    const diff = lineDiff(policyDocumentYaml(now.document), policyDocumentYaml(old.document));
    const next = await store(agent, old.document, actor, message ?? `rollback to v${version}`, 'rollback');
    return { agent, fromVersion: now.version, version: next, changed: diff !== '', diff };
  }

  return {
    /** Validates every document first; stores nothing unless all are valid (and not on a dry run). */
    apply(
      input: { yaml: string; file?: string; message?: string; dryRun: boolean },
      actor: Principal,
    ): Promise<ApplyPolicyResult> {
      return locks.run(CHANNEL_USE_LOCK, () => applyLocked(input, actor));
    },

    /** Makes the rule document of `version` current again, as a new version. */
    rollback(agent: string | null, version: number, actor: Principal, message?: string): Promise<AppliedPolicy> {
      return locks.run(CHANNEL_USE_LOCK, () => rollbackLocked(agent, version, actor, message));
    },

    /** Runs `task` while no policy is applied or rolled back (a channel's removal). */
    withChannelUseLocked<T>(task: () => Promise<T>): Promise<T> {
      return locks.run(CHANNEL_USE_LOCK, task);
    },

    async stored(agent: string | null) {
      const now = await current(agent);
      const snap = agent === null ? null : await cache.get(agent);
      const version = await repos.policyHistory.get(agent ?? GLOBAL_POLICY, now.version);
      return {
        agent,
        version: now.version,
        document: now.document,
        yaml: policyDocumentYaml(now.document),
        lists: snap ? snap.lists : null,
        author: version?.author ?? null,
        message: version?.message ?? null,
        at: version ? version.at.toISOString() : null,
      };
    },

    async history(agent: string | null, limit: number) {
      if (agent !== null) await current(agent);
      const versions = await repos.policyHistory.list(agent ?? GLOBAL_POLICY, limit);
      return versions.map((v) => ({
        agent,
        version: v.version,
        author: v.author,
        message: v.message,
        at: v.at.toISOString(),
        hasDocument: v.document !== null,
        document: v.document,
      }));
    },

    /**
     * The rules in force (every agent's and the global policy) that name `channel` in `notify:`
     * or `approval.escalate:`: what removing the channel would silence.
     */
    async rulesNaming(channel: string): Promise<Array<{ agent: string | null; ruleId: string; field: 'notify' | 'escalate' }>> {
      const found: Array<{ agent: string | null; ruleId: string; field: 'notify' | 'escalate' }> = [];
      const collect = (agent: string | null, document: PolicyDocument | null) => {
        for (const use of document ? channelUses(document) : [])
          if (use.channel === channel) found.push({ agent, ruleId: use.ruleId, field: use.field });
      };
      // From the database, not this server's cache: another server may have applied a policy
      // naming the channel a moment ago, its cache invalidation still on the way here.
      const ruleDocument = (v: { document?: PolicyDocument | null } | null) => v?.document ?? null;
      collect(null, ruleDocument(await repos.policyHistory.latest(GLOBAL_POLICY)));
      for (const agent of await repos.agents.list()) {
        const version = agent.policyVersion ?? 0;
        collect(agent.name, version > 0 ? ruleDocument(await repos.policyHistory.get(agent.name, version)) : null);
      }
      return found;
    },

    /** The global policy document in force (null: none). */
    async globalDocument(): Promise<GlobalPolicyDocument | null> {
      return (await cache.globalPolicy()).document;
    },
  };
}
export type RulePolicyService = ReturnType<typeof createRulePolicyService>;
