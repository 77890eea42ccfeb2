import {
  agentDeclaration,
  buildManifest,
  mergeTools,
  type AgentDeclaration,
  type AgentManifest,
  type ManifestDependency,
  type Permission,
  type RegisterAgentInput,
  type ToolDeclaration,
} from '@aegis/shared';
import { emptyApprovals, observedFromFacts } from '../data/repos/manifestFacts.repo';
import type { ServiceDeps } from './deps';
import { unknownAgent } from './errors';
import { evaluateCall } from './evaluateCall';
import { yieldSlices } from './yieldSlices';

const PERMISSION: Record<string, Permission | undefined> = {
  ALLOWED: 'ALLOW',
  BLOCKED: 'BLOCK',
  REVIEW: 'REVIEW',
};
const MAX_DETAIL = 10;

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

  const service = {
    /** Stores what a registration declares; tools merge by name with earlier declarations. */
    async declare(agent: string, fields: DeclaredFields): Promise<void> {
      const current = await declarationOf(agent);
      const next = agentDeclaration.parse({
        ...current,
        owner: fields.owner,
        description: fields.description,
        framework: fields.framework,
        ...(fields.team !== undefined ? { team: fields.team } : {}),
        ...(fields.labels !== undefined ? { labels: fields.labels } : {}),
        ...(fields.model !== undefined ? { model: fields.model } : {}),
        ...(fields.provider !== undefined ? { provider: fields.provider } : {}),
        ...(fields.frameworkVersion !== undefined
          ? { frameworkVersion: fields.frameworkVersion }
          : {}),
        // Registration says what a tool is (tags); what wrapTools read from it (description, schema) stays.
        tools: mergeTools(
          current?.tools ?? [],
          (fields.tools ?? []).map((t) => {
            const had = current?.tools.find((c) => c.name === t.name);
            const argsSchema = t.argsSchema ?? had?.argsSchema;
            return {
              ...t,
              description: t.description || (had?.description ?? ''),
              ...(argsSchema ? { argsSchema } : {}),
            };
          }),
        ),
      });
      if (current && JSON.stringify(current) === JSON.stringify(next)) return;
      await repos.governance.saveDeclaration(agent, next);
      onDeclared(agent);
    },

    /** What wrapTools / the middleware learned from the tools: explicit declarations keep their tags. */
    async declareTools(agent: string, tools: ToolDeclaration[]): Promise<void> {
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
      await service.declare(agent, {
        owner: found.owner,
        description: found.description,
        framework: found.framework,
        tools: merged,
      });
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
