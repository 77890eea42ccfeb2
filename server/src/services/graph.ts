import { graphWindow, type AgentGraph, type GraphInput, type VerdictCounts } from '@aegis/shared';
import { fromFieldKey, type RollupDoc } from '../data/repos/rollups.repo';
import type { Repos } from '../data/repos';
import {
  GRAPH_CALL_STATUSES,
  type GraphCallStatus,
  type GraphGroup,
} from '../data/repos/graph.repo';
import { readCover } from './analytics/cover';
import { windowFor } from './analytics/window';
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

/**
 * One agent's calls of one tool in a window: by verdict, and how many carried each data tag —
 * a DLP detector found in the arguments or result, or a declared tag no such detector was found for.
 */
export interface CallTally {
  agent: string;
  action: string;
  counts: Record<GraphCallStatus, number>;
  detectors: Map<string, number>;
  tags: Map<string, number>;
}

function bump<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

const byCalls = <T extends { calls: number; name: string }>(a: T, b: T) =>
  b.calls - a.calls || a.name.localeCompare(b.name);

/** Tallies summed per agent × tool (signed: rollups may subtract), empty ones left out. */
export class Tallies {
  private readonly byKey = new Map<string, CallTally>();

  private of(agent: string, action: string): CallTally {
    return bump(this.byKey, `${agent}\u0000${action}`, () => ({
      agent,
      action,
      counts: { ALLOWED: 0, BLOCKED: 0, PENDING: 0, KILLED: 0 },
      detectors: new Map(),
      tags: new Map(),
    }));
  }

  /** Groups read from the log. */
  addGroups(groups: readonly GraphGroup[]): this {
    for (const g of groups) {
      const t = this.of(g.agent, g.action);
      t.counts[g.status] += g.n;
      for (const d of g.detectors) t.detectors.set(d, (t.detectors.get(d) ?? 0) + g.n);
      // A tool may list a tag twice: the call carried it once.
      for (const tag of new Set(g.tags))
        if (!g.detectors.includes(tag)) t.tags.set(tag, (t.tags.get(tag) ?? 0) + g.n);
    }
    return this;
  }

  /** An agent rollup document (kind `ag`) added or taken away. */
  addAgentDoc(doc: RollupDoc, sign: number): this {
    const calls = (doc.v ?? {}) as Record<string, Record<string, number>>;
    for (const [x, byStatus] of Object.entries(calls)) {
      const t = this.of(doc.a, fromFieldKey(x));
      for (const status of GRAPH_CALL_STATUSES) t.counts[status] += sign * (byStatus[status] ?? 0);
      // An approved call's ALLOWED is the same call as its PENDING.
      t.counts.ALLOWED -= sign * (doc.p?.[x] ?? 0);
      for (const [d, n] of Object.entries(doc.dt?.[x] ?? {}))
        t.detectors.set(d, (t.detectors.get(d) ?? 0) + sign * n);
      for (const [tag, n] of Object.entries(doc.tg?.[x] ?? {}))
        t.tags.set(fromFieldKey(tag), (t.tags.get(fromFieldKey(tag)) ?? 0) + sign * n);
    }
    return this;
  }

  values(): CallTally[] {
    const out: CallTally[] = [];
    for (const t of this.byKey.values()) {
      for (const labels of [t.detectors, t.tags])
        for (const [name, n] of labels) if (n <= 0) labels.delete(name);
      if (GRAPH_CALL_STATUSES.some((s) => t.counts[s] > 0)) out.push(t);
    }
    return out;
  }
}

function addCounts(into: VerdictCounts, t: CallTally): void {
  for (const status of GRAPH_CALL_STATUSES) {
    into.calls += t.counts[status];
    into[COLUMN[status]] += t.counts[status];
  }
}

/**
 * Folds the window's calls into the graph: agent → tool edges weighted by calls and split by
 * verdict, tool → data-tag edges (DLP detectors and declared tags), and each tool's agents.
 * Pure, so the shape is tested without a store.
 */
export function foldGraph(
  groups: readonly GraphGroup[],
  statusOf: (agent: string) => AgentGraph['agents'][number]['status'],
  window: { from: number; to: number },
): AgentGraph {
  return foldTallies(new Tallies().addGroups(groups).values(), statusOf, window);
}

export function foldTallies(
  tallies: readonly CallTally[],
  statusOf: (agent: string) => AgentGraph['agents'][number]['status'],
  window: { from: number; to: number },
): AgentGraph {
  const edges = tallies.map((t) => {
    const edge = { agent: t.agent, tool: t.action, ...zero() };
    addCounts(edge, t);
    return { edge, t };
  });
  const ranked = edges.sort(
    (a, b) =>
      b.edge.calls - a.edge.calls ||
      a.edge.agent.localeCompare(b.edge.agent) ||
      a.edge.tool.localeCompare(b.edge.tool),
  );
  const kept = ranked.slice(0, MAX_CALL_EDGES);

  const agents = new Map<string, AgentGraph['agents'][number]>();
  const tools = new Map<string, AgentGraph['tools'][number]>();
  const tags = new Map<string, AgentGraph['tags'][number]>();
  const carries = new Map<string, AgentGraph['carries'][number]>();
  for (const { t } of kept) {
    addCounts(
      bump(agents, t.agent, () => ({ name: t.agent, status: statusOf(t.agent), ...zero() })),
      t,
    );
    const tool = bump(tools, t.action, () => ({ name: t.action, agents: [], ...zero() }));
    addCounts(tool, t);
    if (!tool.agents.includes(t.agent)) tool.agents.push(t.agent);
    const labels = [
      ...[...t.detectors].map(([name, n]) => ({ name, n, kind: 'detector' as const })),
      ...[...t.tags].map(([name, n]) => ({ name, n, kind: 'tag' as const })),
    ];
    for (const { name, n, kind } of labels) {
      bump(tags, name, () => ({ name, kind, calls: 0 })).calls += n;
      bump(carries, `${t.action}\u0000${name}`, () => ({
        tool: t.action,
        tag: name,
        kind,
        calls: 0,
      })).calls += n;
    }
  }
  for (const tool of tools.values()) tool.agents.sort();
  return {
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    agents: [...agents.values()].sort(byCalls),
    tools: [...tools.values()].sort(byCalls),
    tags: [...tags.values()].sort(byCalls),
    calls: kept.map(({ edge }) => edge),
    carries: [...carries.values()].sort(
      (a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool) || a.tag.localeCompare(b.tag),
    ),
    truncated: ranked.length > kept.length,
  };
}

const MINUTE = 60_000;

/**
 * The window's calls from the rollups: whole minutes from the agents' documents (coarser grains
 * included, see coverTerms), the partial minutes at either end from the log (at most two minutes
 * of entries), so the graph is exact at any window for a few dozen documents per agent.
 */
export async function rollupTallies(
  repos: Repos,
  from: number,
  to: number,
  now = Date.now(),
): Promise<CallTally[]> {
  const a = Math.ceil(from / MINUTE) * MINUTE;
  const b = Math.floor(to / MINUTE) * MINUTE;
  const tallies = new Tallies();
  if (a >= b)
    return tallies.addGroups(await repos.graph.callGroups(new Date(from), new Date(to))).values();
  const [head, tail, parts] = await Promise.all([
    a > from ? repos.graph.callGroups(new Date(from), new Date(a)) : [],
    to > b ? repos.graph.callGroups(new Date(b), new Date(to)) : [],
    readCover(repos.rollups, 'ag', 'm', a, b, now, {
      projection: { _id: 0, a: 1, v: 1, p: 1, dt: 1, tg: 1 },
    }),
  ]);
  tallies.addGroups(head).addGroups(tail);
  for (const { sign, docs } of parts) for (const d of docs) tallies.addAgentDoc(d, sign);
  return tallies.values();
}

/**
 * `rollups`: the analytics rollups are kept on this server (`settled` resolves once what it wrote
 * is in them); without them (or while they are being rebuilt) the graph reads the log.
 */
export function createGraphService(
  deps: ServiceDeps,
  rollups: { settled: () => Promise<void> } | null = null,
) {
  const { repos } = deps;
  return {
    async get(input: GraphInput): Promise<AgentGraph> {
      const now = Date.now();
      // A preset ("last 24 h") starts where the Analytics page's does: on its hour (its minute up
      // to 3 hours, its day beyond 8 days), so both show the same calls. The rollups then hold the
      // window in whole coarse documents but for the current minute: at 10,000,000 entries an
      // exact start read ~11 minute documents per agent, and the partial minute from the log.
      const window = input.from
        ? graphWindow(input, now)
        : { from: windowFor({ range: input.range ?? '24h' }, now).from.getTime(), to: now };
      const fromRollups = rollups !== null && (await repos.rollups.current());
      if (fromRollups) await rollups.settled();
      const [tallies, registered] = await Promise.all([
        fromRollups
          ? rollupTallies(repos, window.from, window.to)
          : repos.graph
              .callGroups(new Date(window.from), new Date(window.to))
              .then((groups) => new Tallies().addGroups(groups).values()),
        repos.agents.list(),
      ]);
      const status = new Map(registered.map((a) => [a.name, a.status]));
      return foldTallies(tallies, (name) => status.get(name) ?? null, window);
    },
  };
}
