import { graphWindow, type AgentGraph, type GraphInput, type VerdictCounts } from '@aegis/shared';
import type { GraphGroup } from '../data/repos/graph.repo';
import type { ServiceDeps } from './deps';

/** The busiest agent–tool edges a graph keeps; more would not be readable on a screen anyway. */
export const MAX_CALL_EDGES = 300;

const COLUMN = {
  ALLOWED: 'allowed',
  BLOCKED: 'blocked',
  PENDING: 'review',
  KILLED: 'killed',
} as const;

const zero = (): VerdictCounts => ({ calls: 0, allowed: 0, blocked: 0, review: 0, killed: 0 });

function add(into: VerdictCounts, g: GraphGroup): void {
  into.calls += g.n;
  into[COLUMN[g.status]] += g.n;
}

function bump<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

const byCalls = <T extends { calls: number; name: string }>(a: T, b: T) =>
  b.calls - a.calls || a.name.localeCompare(b.name);

/**
 * Folds the server's grouped calls into the graph: agent → tool edges weighted by calls and split
 * by verdict, tool → data-tag edges (DLP detectors and declared tags), and each tool's agents.
 * Pure, so the shape is tested without a store.
 */
export function foldGraph(
  groups: readonly GraphGroup[],
  statusOf: (agent: string) => AgentGraph['agents'][number]['status'],
  window: { from: number; to: number },
): AgentGraph {
  const edges = new Map<string, VerdictCounts & { agent: string; tool: string }>();
  for (const g of groups)
    add(
      bump(edges, `${g.agent}\u0000${g.action}`, () => ({
        agent: g.agent,
        tool: g.action,
        ...zero(),
      })),
      g,
    );
  const ranked = [...edges.values()].sort(
    (a, b) => b.calls - a.calls || a.agent.localeCompare(b.agent) || a.tool.localeCompare(b.tool),
  );
  const kept = ranked.slice(0, MAX_CALL_EDGES);
  const keep = new Set(kept.map((e) => `${e.agent}\u0000${e.tool}`));

  const agents = new Map<string, AgentGraph['agents'][number]>();
  const tools = new Map<string, AgentGraph['tools'][number]>();
  const tags = new Map<string, AgentGraph['tags'][number]>();
  const carries = new Map<string, AgentGraph['carries'][number]>();
  for (const g of groups) {
    if (!keep.has(`${g.agent}\u0000${g.action}`)) continue;
    add(
      bump(agents, g.agent, () => ({ name: g.agent, status: statusOf(g.agent), ...zero() })),
      g,
    );
    const tool = bump(tools, g.action, () => ({ name: g.action, agents: [], ...zero() }));
    add(tool, g);
    if (!tool.agents.includes(g.agent)) tool.agents.push(g.agent);
    const labels = [
      ...g.detectors.map((name) => ({ name, kind: 'detector' as const })),
      ...g.tags
        .filter((t) => !g.detectors.includes(t))
        .map((name) => ({ name, kind: 'tag' as const })),
    ];
    for (const { name, kind } of labels) {
      bump(tags, name, () => ({ name, kind, calls: 0 })).calls += g.n;
      bump(carries, `${g.action}\u0000${name}`, () => ({
        tool: g.action,
        tag: name,
        kind,
        calls: 0,
      })).calls += g.n;
    }
  }
  for (const tool of tools.values()) tool.agents.sort();
  return {
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    agents: [...agents.values()].sort(byCalls),
    tools: [...tools.values()].sort(byCalls),
    tags: [...tags.values()].sort(byCalls),
    calls: kept,
    carries: [...carries.values()].sort(
      (a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool) || a.tag.localeCompare(b.tag),
    ),
    truncated: ranked.length > kept.length,
  };
}

export function createGraphService(deps: ServiceDeps) {
  const { repos } = deps;
  return {
    async get(input: GraphInput): Promise<AgentGraph> {
      const window = graphWindow(input);
      const [groups, registered] = await Promise.all([
        repos.graph.callGroups(new Date(window.from), new Date(window.to)),
        repos.agents.list(),
      ]);
      const status = new Map(registered.map((a) => [a.name, a.status]));
      return foldGraph(groups, (name) => status.get(name) ?? null, window);
    },
  };
}
