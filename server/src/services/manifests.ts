import type { z } from 'zod';
import {
  DomainError,
  agentDeclaration,
  buildManifest,
  maskValue,
  maskedText,
  mergeTools,
  type AgentDeclaration,
  type AgentManifest,
  type ManifestDependency,
  type Permission,
  type Principal,
  type RegisterAgentInput,
  type ToolDeclaration,
} from '@aegis/shared';
import { emptyApprovals, observedFromFacts } from '../data/repos/manifestFacts.repo';
import type { ServiceDeps } from './deps';
import { unknownAgent } from './errors';
import { evaluateCall } from './evaluateCall';
import { yieldSlices } from './yieldSlices';
import { ACTION, noteAction } from './actions';
import type { PolicyService } from './policies';

const PERMISSION: Record<string, Permission | undefined> = {
  ALLOWED: 'ALLOW',
  BLOCKED: 'BLOCK',
  REVIEW: 'REVIEW',
};
const MAX_DETAIL = 10;

/** What storing a declaration did. */
export interface DeclareOutcome {
  /** Some tool's declared tags changed: what rules see changed, so the policy version moves. */
  tagsChanged: boolean;
  /** What was asked and not applied (a tag an agent key tried to remove), and why. */
  notice: string | null;
}

/** One tool's declared tags before and after a declaration. */
interface TagChange {
  tool: string;
  from: string[];
  to: string[];
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((t) => b.includes(t));

function tagChanges(
  before: readonly ToolDeclaration[],
  after: readonly ToolDeclaration[],
): TagChange[] {
  const was = new Map(before.map((t) => [t.name, t.tags]));
  return after
    .filter((t) => !sameSet(was.get(t.name) ?? [], t.tags))
    .map((t) => ({ tool: t.name, from: [...(was.get(t.name) ?? [])], to: [...t.tags] }));
}

const showTags = (tags: readonly string[]) => (tags.length ? tags.join(', ') : 'none');
const describeTags = (c: TagChange) => `${c.tool} tags: ${showTags(c.from)} → ${showTags(c.to)}`;

/** The rest of a declaration's change, by field (tools added, descriptions, profile). */
function otherChanges(before: AgentDeclaration | null, after: AgentDeclaration): string[] {
  const out: string[] = [];
  const had = new Map((before?.tools ?? []).map((t) => [t.name, t]));
  const added = after.tools.filter((t) => !had.has(t.name)).map((t) => t.name);
  if (added.length)
    out.push(
      `tools added: ${added.slice(0, MAX_DETAIL).join(', ')}${added.length > MAX_DETAIL ? ', …' : ''}`,
    );
  const redescribed = after.tools.filter((t) => {
    const h = had.get(t.name);
    return (
      h &&
      (h.description !== t.description ||
        JSON.stringify(h.argsSchema) !== JSON.stringify(t.argsSchema) ||
        !sameSet(h.dataCategories, t.dataCategories))
    );
  });
  if (redescribed.length)
    out.push(
      `tools redescribed: ${redescribed
        .slice(0, MAX_DETAIL)
        .map((t) => t.name)
        .join(', ')}`,
    );
  const fields = [
    'owner',
    'description',
    'framework',
    'team',
    'model',
    'provider',
    'frameworkVersion',
  ] as const;
  const profile: string[] = fields.filter((k) => (before?.[k] ?? '') !== after[k]);
  if (JSON.stringify(before?.labels ?? {}) !== JSON.stringify(after.labels)) profile.push('labels');
  if (profile.length) out.push(`profile: ${profile.join(', ')}`);
  return out;
}

/** A declaration whose merge with what is kept breaks the manifest's limits, as a 400 that says where. */
function declarationTooLarge(
  error: z.ZodError,
  before: readonly ToolDeclaration[],
  incoming: readonly ToolDeclaration[],
): DomainError {
  const where = error.issues.slice(0, 3).map((issue) => {
    const [field, index, key] = issue.path;
    const tool =
      field === 'tools' && typeof index === 'number'
        ? mergeTools(before, incoming)[index]?.name
        : undefined;
    const at = tool
      ? `tool "${tool}"${typeof key === 'string' ? ` ${key}` : ''}`
      : issue.path.join('.');
    return `${at}: ${issue.message}`;
  });
  return new DomainError(
    'INVALID_REQUEST',
    `The declaration together with what the manifest keeps (earlier tools; tags and data categories an agent key may not remove) is too large — ${where.join('; ')}`,
  );
}

/** The registration fields a declaration keeps (the seed's lists are the policy, not the manifest). */
export type DeclaredFields = Pick<RegisterAgentInput, 'owner' | 'description' | 'framework'> &
  Partial<
    Pick<
      RegisterAgentInput,
      'team' | 'labels' | 'model' | 'provider' | 'frameworkVersion' | 'tools'
    >
  >;

/**
 * Manifests: what each agent declares (stored per agent) joined with what the audit log,
 * approvals and policy say about it. Built on demand, many agents at once for governance.
 */
export function createManifestService(
  deps: ServiceDeps,
  policies: Pick<PolicyService, 'change'>,
  onDeclared: (agent: string) => void,
  rollups: { settled: () => Promise<void> } | null = null,
) {
  const { repos, cache } = deps;

  /**
   * What agents did with their tools and whom they met in runs: from the rollups' all-time facts
   * (a few documents per agent) when they are kept and current, else by reading the log — which
   * at millions of entries takes minutes, and governance asks every ten minutes.
   */
  async function facts(agents: string[] | undefined) {
    if (rollups !== null && (await repos.rollups.current())) {
      await rollups.settled();
      const [tools, runs] = await Promise.all([
        repos.rollups.toolFacts(agents),
        repos.rollups.sharedRuns(agents),
      ]);
      return { observed: observedFromFacts(tools), runs };
    }
    return repos.manifestFacts.calls(agents);
  }

  async function declarationOf(agent: string): Promise<AgentDeclaration | null> {
    const doc = await repos.governance.declarationOf(agent);
    return doc ? agentDeclaration.parse(doc.declaration) : null;
  }

  /** The effective verdict of a plain call of each tool (its tags included), by the live policy. */
  async function permissions(agent: string, tools: Map<string, readonly string[]>, now: Date) {
    const snap = await cache.get(agent);
    const out = new Map<string, { permission: Permission | null; rule: string | null }>();
    if (!snap) return out;
    for (const action of Object.values(snap.lists).flat())
      if (!tools.has(action)) tools.set(action, []);
    for (const [action, tags] of tools) {
      const decided = await evaluateCall(
        repos,
        { ...snap, status: 'ACTIVE' },
        { action, args: {}, tool: { tags } },
        { now },
      );
      out.set(action, {
        permission: PERMISSION[decided.verdict] ?? null,
        rule: decided.rule?.id ?? null,
      });
    }
    return out;
  }

  /**
   * Stores what a registration declares — tools merge by name with earlier declarations — and
   * records the change in the audit log. The caller holds the agent's policy lock: declared tags
   * are part of what rules see, so when they change the caller bumps the policy version
   * (`tagsChanged`), which reloads every server's cached policy and every local-mode snapshot.
   * An agent key may add tags and data categories to its tools but never remove one (a policy or
   * governance rule reading it would stop matching): such a removal is left out, and `notice`
   * says so; a person's key may remove them.
   */
  async function applyDeclaration(
    agent: string,
    fields: DeclaredFields,
    actor: Principal,
  ): Promise<DeclareOutcome> {
    const current = await declarationOf(agent);
    const trusted = actor.role !== 'agent';
    const refused: string[] = [];
    // Registration says what a tool is (tags); what wrapTools read from it (description, schema) stays.
    const incoming = (fields.tools ?? []).map((t) => {
      const had = current?.tools.find((c) => c.name === t.name);
      // A schema carries values too (a zod `.default(process.env.TOKEN)`, `examples`, an `enum`
      // of real ids), and every viewer reads it in the manifest: masked like the description.
      const argsSchema = t.argsSchema
        ? (maskValue(t.argsSchema) as Record<string, unknown>)
        : had?.argsSchema;
      const dropped = trusted || !had ? [] : had.tags.filter((tag) => !t.tags.includes(tag));
      const keptCategories =
        trusted || !had ? [] : had.dataCategories.filter((c) => !t.dataCategories.includes(c));
      if (dropped.length) refused.push(`${t.name}: ${dropped.join(', ')}`);
      if (keptCategories.length)
        refused.push(`${t.name} data categories: ${keptCategories.join(', ')}`);
      return {
        ...t,
        tags: [...t.tags, ...dropped],
        dataCategories: [...t.dataCategories, ...keptCategories],
        // What the agent's code says of its tools is shown to every viewer: masked like arguments.
        description: maskedText(t.description) || (had?.description ?? ''),
        ...(argsSchema ? { argsSchema } : {}),
      };
    });
    const merged = agentDeclaration.safeParse({
      ...current,
      owner: fields.owner,
      description: maskedText(fields.description),
      framework: fields.framework,
      ...(fields.team !== undefined ? { team: fields.team } : {}),
      ...(fields.labels !== undefined ? { labels: fields.labels } : {}),
      ...(fields.model !== undefined ? { model: fields.model } : {}),
      ...(fields.provider !== undefined ? { provider: fields.provider } : {}),
      ...(fields.frameworkVersion !== undefined
        ? { frameworkVersion: fields.frameworkVersion }
        : {}),
      tools: mergeTools(current?.tools ?? [], incoming),
    });
    // The union with what is kept (tags an agent key may not remove, earlier tools) can pass a
    // limit each part met: refuse the whole declaration, saying where.
    if (!merged.success) throw declarationTooLarge(merged.error, current?.tools ?? [], incoming);
    const next = merged.data;
    const notice = refused.length
      ? `Tags not removed: ${refused.join('; ')} — an agent key may add tags and data categories to its tools, never remove them (rules read them); an admin can`
      : null;
    if (current && JSON.stringify(current) === JSON.stringify(next))
      return { tagsChanged: false, notice };
    await repos.governance.saveDeclaration(agent, next);
    const tags = tagChanges(current?.tools ?? [], next.tools);
    const what = [...tags.map(describeTags), ...otherChanges(current, next)];
    // A new agent's bare profile is its registration, not news; declared tools always are.
    if (current || next.tools.length > 0)
      await noteAction(
        repos,
        {
          agent,
          status: 'POLICY',
          action: ACTION.manifest,
          details: `Manifest of "${agent}" ${current ? 'changed' : 'declared'} by ${actor.name}: ${what.join('; ') || 'no visible change'}`,
          params: { tags },
        },
        actor,
      );
    onDeclared(agent);
    return { tagsChanged: tags.length > 0, notice };
  }

  const service = {
    /** Declares, under the agent's lock; a change of declared tags is a new policy version. */
    async declare(agent: string, fields: DeclaredFields, actor: Principal): Promise<string | null> {
      let notice: string | null = null;
      await policies.change(agent, async () => {
        const outcome = await applyDeclaration(agent, fields, actor);
        notice = outcome.notice;
        return outcome.tagsChanged;
      });
      return notice;
    },

    applyDeclaration,

    /** What wrapTools / the middleware learned from the tools: explicit declarations keep their tags. */
    async declareTools(agent: string, tools: ToolDeclaration[], actor: Principal): Promise<void> {
      const found = await repos.agents.findByName(agent);
      if (!found) throw unknownAgent(agent);
      const current = await declarationOf(agent);
      const existing = new Map((current?.tools ?? []).map((t) => [t.name, t]));
      const merged = tools.map((t) => {
        const had = existing.get(t.name);
        if (!had) return t;
        return {
          ...t,
          description: had.description || t.description,
          argsSchema: had.argsSchema ?? t.argsSchema,
          tags: [...new Set([...had.tags, ...t.tags])],
          dataCategories: [...new Set([...had.dataCategories, ...t.dataCategories])],
        };
      });
      await service.declare(
        agent,
        {
          owner: found.owner,
          description: found.description,
          framework: found.framework,
          tools: merged,
        },
        actor,
      );
    },

    /** Manifests of these agents (every agent when omitted), in name order. */
    async build(names?: string[], now = new Date()): Promise<AgentManifest[]> {
      const docs = (await repos.agents.list()).filter((a) => !names || names.includes(a.name));
      // None of the names is registered: nothing to build (and `$in: []` would read every entry).
      if (names && docs.length === 0) return [];
      const wanted = names ? docs.map((d) => d.name) : undefined;
      const [declared, { observed, runs }, approvals] = await Promise.all([
        repos.governance.allDeclarations(),
        facts(wanted),
        repos.manifestFacts.approvals(wanted),
      ]);
      const declarations = new Map(
        declared.map((d) => [d.agent, agentDeclaration.parse(d.declaration)]),
      );
      const toolSets = new Map(
        [...declarations].map(([a, d]) => [a, new Set(d.tools.map((t) => t.name))]),
      );
      const manifests: AgentManifest[] = [];
      // A thousand agents with cached policies: nothing below waits on I/O, so yield now and then.
      const slice = yieldSlices();
      for (const doc of docs) {
        await slice();
        const declaration =
          declarations.get(doc.name) ??
          agentDeclaration.parse({
            owner: doc.owner,
            description: doc.description,
            framework: doc.framework,
          });
        // The profile is the agent document's (the seed's REST registration updates only that).
        Object.assign(declaration, {
          owner: doc.owner,
          description: doc.description,
          framework: doc.framework,
        });
        const seen = observed.get(doc.name) ?? [];
        const tags = new Map<string, readonly string[]>(seen.map((o) => [o.action, []]));
        for (const t of declaration.tools) tags.set(t.name, t.tags);
        const mine = toolSets.get(doc.name) ?? new Set<string>();
        const dependencies: ManifestDependency[] = [];
        for (const [other, set] of toolSets) {
          if (other === doc.name) continue;
          const shared = [...mine].filter((t) => set.has(t)).sort();
          if (shared.length)
            dependencies.push({
              agent: other,
              via: 'shared-tool',
              detail: shared.slice(0, MAX_DETAIL),
            });
        }
        for (const [other, list] of runs.get(doc.name) ?? [])
          dependencies.push({ agent: other, via: 'same-run', detail: list });
        manifests.push(
          buildManifest({
            name: doc.name,
            status: doc.status,
            createdAt: new Date(doc.createdAt),
            policyVersion: doc.policyVersion,
            declaration,
            observed: seen,
            permissions: await permissions(doc.name, tags, now),
            approvals: approvals.get(doc.name) ?? emptyApprovals(),
            dependencies,
            now,
          }),
        );
      }
      return manifests;
    },

    async manifest(agent: string): Promise<AgentManifest> {
      const [found] = await service.build([agent]);
      if (!found) throw unknownAgent(agent);
      return found;
    },
  };
  return service;
}
export type ManifestService = ReturnType<typeof createManifestService>;
