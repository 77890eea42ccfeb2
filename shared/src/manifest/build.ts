import { categoryOf } from '../dlp/types';
import type {
  AgentDeclaration,
  AgentManifest,
  ManifestApprovals,
  ManifestDependency,
  ManifestTool,
  Permission,
} from '../schemas/manifest';
import type { AgentStatus } from '../schemas/agent';

/** What the audit log says one agent did with one tool (calls only). */
export interface ObservedTool {
  action: string;
  byStatus: Record<string, number>;
  firstSeen: Date | null;
  lastSeen: Date | null;
  /** DLP detectors that matched in its arguments or results. */
  detectors: readonly string[];
}

export interface ManifestInput {
  name: string;
  status: AgentStatus;
  createdAt: Date;
  policyVersion: number;
  declaration: AgentDeclaration;
  observed: readonly ObservedTool[];
  /** The effective policy per tool name (declared, observed and listed in the policy). */
  permissions: ReadonlyMap<string, { permission: Permission | null; rule: string | null }>;
  approvals: ManifestApprovals;
  dependencies: readonly ManifestDependency[];
  now: Date;
  /** "Allowed, never called in N days" counts as a permission broader than use. @defaultValue 30 */
  unusedWindowDays?: number;
}

const DAY = 24 * 60 * 60 * 1000;
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The manifest of one agent: pure, so the server, the bench and tests build it the same way. */
export function buildManifest(input: ManifestInput): AgentManifest {
  const window = input.unusedWindowDays ?? 30;
  const declared = new Map(input.declaration.tools.map((t) => [t.name, t]));
  const observed = new Map(input.observed.map((o) => [o.action, o]));
  const names = sorted([...declared.keys(), ...observed.keys(), ...input.permissions.keys()]);

  const tools: ManifestTool[] = names.map((name) => {
    const d = declared.get(name);
    const o = observed.get(name);
    const p = input.permissions.get(name);
    const calls = o ? Object.values(o.byStatus).reduce((n, c) => n + c, 0) : 0;
    return {
      name,
      declared: d !== undefined,
      description: d?.description ?? '',
      tags: sorted(d?.tags ?? []),
      dataCategories: sorted(d?.dataCategories ?? []),
      ...(d?.argsSchema ? { argsSchema: d.argsSchema } : {}),
      permission: p?.permission ?? null,
      rule: p?.rule ?? null,
      calls,
      byStatus: { ...(o?.byStatus ?? {}) },
      dataSeen: sorted((o?.detectors ?? []).map(categoryOf)),
      firstSeen: iso(o?.firstSeen ?? null),
      lastSeen: iso(o?.lastSeen ?? null),
    };
  });

  const since = input.now.getTime() - window * DAY;
  const usedRecently = (t: ManifestTool) => t.lastSeen !== null && Date.parse(t.lastSeen) >= since;
  const firsts = input.observed.flatMap((o) => (o.firstSeen ? [o.firstSeen.getTime()] : []));
  const lasts = input.observed.flatMap((o) => (o.lastSeen ? [o.lastSeen.getTime()] : []));
  const d = input.declaration;

  return {
    manifestVersion: 'aegis.agent_manifest/v1',
    generatedAt: input.now.toISOString(),
    agent: {
      name: input.name,
      status: input.status,
      owner: d.owner,
      team: d.team,
      description: d.description,
      labels: { ...d.labels },
      model: d.model,
      provider: d.provider,
      framework: d.framework,
      frameworkVersion: d.frameworkVersion,
      createdAt: input.createdAt.toISOString(),
      policyVersion: input.policyVersion,
    },
    tools,
    dataCategories: {
      declared: sorted(tools.flatMap((t) => t.dataCategories)),
      seen: sorted(tools.flatMap((t) => t.dataSeen)),
    },
    approvals: input.approvals,
    dependencies: [...input.dependencies].sort(
      (a, b) => a.agent.localeCompare(b.agent) || a.via.localeCompare(b.via),
    ),
    firstSeen: firsts.length ? new Date(Math.min(...firsts)).toISOString() : null,
    lastSeen: lasts.length ? new Date(Math.max(...lasts)).toISOString() : null,
    drift: {
      undeclaredCalled: tools.filter((t) => !t.declared && t.calls > 0).map((t) => t.name),
      // An agent that declares no tools at all has nothing to drift from.
      declaredUnused: tools.filter((t) => t.declared && t.calls === 0).map((t) => t.name),
      // Only an agent registered for the whole window can have left a permission unused for it.
      allowedUnused:
        input.createdAt.getTime() <= since
          ? tools.filter((t) => t.permission === 'ALLOW' && !usedRecently(t)).map((t) => t.name)
          : [],
      unusedWindowDays: window,
    },
  };
}

/** A later registration's tools update the earlier ones by name; tools not mentioned stay. */
export function mergeTools<T extends { name: string }>(
  current: readonly T[],
  incoming: readonly T[],
): T[] {
  const byName = new Map(current.map((t) => [t.name, t]));
  for (const t of incoming) byName.set(t.name, t);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
