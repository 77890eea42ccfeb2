import type { Edge, Node } from '@xyflow/react';
import { MAX_ACTIONS_PER_AGENT, OTHER_ACTIONS, type VerdictCounts } from '@aegis/shared';
import type { RouterOutputs } from './trpc';

export type AgentGraph = RouterOutputs['graph']['get'];
/** `other`: an agent's calls under names past its action cap; `more`: its tools not drawn. */
export type NodeKind = 'agent' | 'tool' | 'other' | 'more' | 'tag';
/** Edge colour: what share of the calls a person or the policy stopped. */
export type Tone = 'allow' | 'review' | 'block' | 'data';
/** How a node or edge shows while an agent is traced. */
export type TraceState = 'none' | 'on' | 'off';

export interface GraphNodeData extends Record<string, unknown> {
  kind: NodeKind;
  label: string;
  calls: number;
  /** Tone of the node's own calls (agents and tools), or data for a tag. */
  tone: Tone;
  detail: string;
  trace: TraceState;
  paused: boolean;
  /** The agent an `other` or `more` node belongs to. */
  agent?: string;
}
export type GraphNode = Node<GraphNodeData, 'entity'>;

/** At least this share blocked or killed colours an edge red; this share held for review, amber. */
export const TONE_THRESHOLD = 0.2;

export function toneOf(c: {
  calls: number;
  blocked: number;
  killed: number;
  review: number;
}): Tone {
  if (c.calls === 0) return 'allow';
  if ((c.blocked + c.killed) / c.calls >= TONE_THRESHOLD) return 'block';
  if (c.review / c.calls >= TONE_THRESHOLD) return 'review';
  return 'allow';
}

/** Stroke width 1.5–10 px, by the square root of the calls relative to the busiest edge. */
export function widthFor(calls: number, max: number): number {
  return 1.5 + 8.5 * Math.sqrt(calls / Math.max(1, max));
}

const calls = (n: number) => `${n} call${n === 1 ? '' : 's'}`;

export const nodeId = (kind: NodeKind, name: string) => `${kind}:${name}`;

/**
 * The tools drawn per agent (its busiest); the rest of its tools are one "+N more" node leading
 * to its page. All ~300 edges the server keeps took seconds to lay out and drew a column of
 * hundreds of cards in which the agents were lost.
 */
export const TOOLS_PER_AGENT = 12;

/** An agent → node edge as drawn: to a tool, to the agent's own bucket, or to its "+N more". */
interface DrawnCall extends VerdictCounts {
  agent: string;
  /** The node it leads to. */
  target: string;
}

/** What the map draws of a graph: which nodes stand for which of its tools, and the edges. */
export interface DrawnGraph {
  tools: AgentGraph['tools'];
  /** Per agent with calls past the action cap: its bucket's counts (no tool is shared by it). */
  others: Map<string, VerdictCounts>;
  /** Per agent with tools past TOOLS_PER_AGENT: the hidden ones' counts and how many. */
  more: Map<string, VerdictCounts & { tools: number }>;
  calls: DrawnCall[];
  /** Node → tag edges; a hidden tool's data is carried by each "+N more" that hides it. */
  carries: Array<{ source: string; tag: string; calls: number }>;
}

const zero = (): VerdictCounts => ({ calls: 0, allowed: 0, blocked: 0, review: 0, killed: 0 });
function add(into: VerdictCounts, c: VerdictCounts): void {
  into.calls += c.calls;
  into.allowed += c.allowed;
  into.blocked += c.blocked;
  into.review += c.review;
  into.killed += c.killed;
}

/**
 * Splits the graph into what is drawn: each agent's TOOLS_PER_AGENT busiest tools (a tool another
 * agent draws is drawn for every agent calling it), its "(other actions)" as a node of its own
 * (the bucket counts different names for each agent: one shared node read as a shared tool), and
 * the rest of its tools as one "+N more" node.
 */
export function drawnGraph(graph: AgentGraph): DrawnGraph {
  const byAgent = new Map<string, AgentGraph['calls']>();
  for (const e of graph.calls) byAgent.set(e.agent, [...(byAgent.get(e.agent) ?? []), e]);
  const shown = new Set<string>();
  for (const edges of byAgent.values())
    [...edges]
      .filter((e) => !isOther(e.tool))
      .sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool))
      .slice(0, TOOLS_PER_AGENT)
      .forEach((e) => shown.add(e.tool));

  const others = new Map<string, VerdictCounts>();
  const more = new Map<string, VerdictCounts & { tools: number }>();
  const hiddenBy = new Map<string, string[]>();
  const calls: DrawnCall[] = [];
  for (const e of graph.calls) {
    if (isOther(e.tool)) {
      others.set(e.agent, pick(e));
      calls.push({ ...pick(e), agent: e.agent, target: nodeId('other', e.agent) });
    } else if (shown.has(e.tool)) {
      calls.push({ ...pick(e), agent: e.agent, target: nodeId('tool', e.tool) });
    } else {
      const m = more.get(e.agent) ?? { ...zero(), tools: 0 };
      add(m, e);
      m.tools += 1;
      more.set(e.agent, m);
      hiddenBy.set(e.tool, [...(hiddenBy.get(e.tool) ?? []), e.agent]);
    }
  }
  for (const [agent, m] of more) calls.push({ ...pick(m), agent, target: nodeId('more', agent) });

  const carried = new Map<string, { source: string; tag: string; calls: number }>();
  const carry = (source: string, tag: string, n: number) => {
    const key = `${source}\u0000${tag}`;
    const c = carried.get(key) ?? { source, tag, calls: 0 };
    c.calls += n;
    carried.set(key, c);
  };
  const agentsOfOther = [...others.keys()];
  for (const c of graph.carries) {
    if (isOther(c.tool)) agentsOfOther.forEach((a) => carry(nodeId('other', a), c.tag, c.calls));
    else if (shown.has(c.tool)) carry(nodeId('tool', c.tool), c.tag, c.calls);
    else (hiddenBy.get(c.tool) ?? []).forEach((a) => carry(nodeId('more', a), c.tag, c.calls));
  }
  return {
    tools: graph.tools.filter((t) => shown.has(t.name)),
    others,
    more,
    calls,
    carries: [...carried.values()],
  };
}

const isOther = (tool: string) => tool === OTHER_ACTIONS;
const pick = ({ calls, allowed, blocked, review, killed }: VerdictCounts): VerdictCounts => ({
  calls,
  allowed,
  blocked,
  review,
  killed,
});

/** What tracing `agent` lights up: its nodes, their data tags, and the agents sharing its tools. */
export function traceOf(
  drawn: DrawnGraph,
  agent: string,
): { nodes: Set<string>; edges: Set<string> } {
  const nodes = new Set([nodeId('agent', agent)]);
  const edges = new Set<string>();
  const targets = new Set(drawn.calls.filter((e) => e.agent === agent).map((e) => e.target));
  for (const e of drawn.calls) {
    if (!targets.has(e.target)) continue;
    nodes.add(nodeId('agent', e.agent)).add(e.target);
    edges.add(callEdgeId(e));
  }
  for (const e of drawn.carries) {
    if (!targets.has(e.source)) continue;
    nodes.add(nodeId('tag', e.tag));
    edges.add(carryEdgeId(e));
  }
  return { nodes, edges };
}

const callEdgeId = (e: { agent: string; target: string }) => `calls:${e.agent}->${e.target}`;
const carryEdgeId = (e: { source: string; tag: string }) => `carries:${e.source}->${e.tag}`;

const COLUMN_X: Record<NodeKind, number> = { agent: 0, tool: 320, other: 320, more: 320, tag: 680 };
const ROW = 60;

/**
 * Orders a column by the mean row of its neighbours in the previous one, to cut crossings; among
 * equals, by `rank` (an agent's bucket and "+N more" after its tools), then by id.
 */
function byBarycenter(
  ids: string[],
  neighbours: Map<string, string[]>,
  rowOf: Map<string, number>,
  rank: (id: string) => number = () => 0,
): string[] {
  const center = new Map(
    ids.map((id) => {
      const rows = (neighbours.get(id) ?? []).map((n) => rowOf.get(n) ?? 0);
      const c = rows.length
        ? rows.reduce((a, b) => a + b, 0) / rows.length
        : Number.MAX_SAFE_INTEGER;
      return [id, c];
    }),
  );
  const at = (id: string) => center.get(id) ?? 0;
  return [...ids].sort((a, b) => at(a) - at(b) || rank(a) - rank(b) || a.localeCompare(b));
}

const RANK: Partial<Record<string, number>> = { other: 1, more: 2 };
const rankOf = (id: string) => RANK[id.slice(0, id.indexOf(':'))] ?? 0;

/**
 * Three columns — agents, the tools they call, the data those tools carry — as xyflow nodes and
 * edges. Edge width is calls; colour the block/review share; a traced agent dims everything
 * outside its trace.
 */
export function layoutGraph(
  graph: AgentGraph,
  traced: string | null,
): { nodes: GraphNode[]; edges: Edge[] } {
  const drawn = drawnGraph(graph);
  const trace = traced ? traceOf(drawn, traced) : null;
  const stateOf = (set: Set<string> | undefined, id: string): TraceState =>
    set ? (set.has(id) ? 'on' : 'off') : 'none';

  const agentRow = new Map(graph.agents.map((a, i) => [nodeId('agent', a.name), i]));
  const agentsOf = new Map<string, string[]>();
  for (const e of drawn.calls)
    agentsOf.set(e.target, [...(agentsOf.get(e.target) ?? []), nodeId('agent', e.agent)]);
  const toolOrder = byBarycenter([...agentsOf.keys()], agentsOf, agentRow, rankOf);
  const toolRow = new Map(toolOrder.map((t, i) => [t, i]));
  const sourcesOf = new Map<string, string[]>();
  for (const c of drawn.carries)
    sourcesOf.set(nodeId('tag', c.tag), [...(sourcesOf.get(nodeId('tag', c.tag)) ?? []), c.source]);
  const tagOrder = byBarycenter(
    graph.tags.map((t) => nodeId('tag', t.name)).filter((id) => sourcesOf.has(id)),
    sourcesOf,
    toolRow,
  );
  const tallest = Math.max(graph.agents.length, toolOrder.length, tagOrder.length);
  // Shorter columns spread over the tallest one's height, so edges fan out instead of converging.
  const y = (row: number, count: number) => (row + 0.5) * (tallest / count) * ROW - ROW / 2;

  const nodes: GraphNode[] = [];
  const push = (
    kind: NodeKind,
    name: string,
    row: number,
    count: number,
    data: Pick<GraphNodeData, 'label' | 'calls' | 'tone' | 'detail' | 'paused'> &
      Partial<Pick<GraphNodeData, 'agent'>>,
  ) => {
    const id = nodeId(kind, name);
    nodes.push({
      id,
      type: 'entity',
      position: { x: COLUMN_X[kind], y: y(row, count) },
      data: { kind, trace: stateOf(trace?.nodes, id), ...data },
      connectable: false,
    });
  };
  graph.agents.forEach((a, i) =>
    push('agent', a.name, i, graph.agents.length, {
      label: a.name,
      calls: a.calls,
      tone: toneOf(a),
      detail: calls(a.calls),
      paused: a.status === 'PAUSED',
    }),
  );
  const tools = new Map(drawn.tools.map((t) => [nodeId('tool', t.name), t]));
  toolOrder.forEach((id, i) => {
    const [kind, name] = splitId(id);
    const node = toolNode(kind, name, tools.get(id), drawn);
    if (node) push(kind, name, i, toolOrder.length, node);
  });
  const tags = new Map(graph.tags.map((t) => [nodeId('tag', t.name), t]));
  tagOrder.forEach((id, i) => {
    const t = tags.get(id)!;
    push('tag', t.name, i, tagOrder.length, {
      label: t.name,
      calls: t.calls,
      tone: 'data',
      detail: `${t.kind === 'detector' ? 'DLP finding' : 'declared tag'} · ${calls(t.calls)}`,
      paused: false,
    });
  });

  const max = Math.max(1, ...drawn.calls.map((e) => e.calls), ...drawn.carries.map((e) => e.calls));
  const edges: Edge[] = [
    ...drawn.calls.map((e) =>
      edge(
        callEdgeId(e),
        nodeId('agent', e.agent),
        e.target,
        toneOf(e),
        e.calls,
        max,
        stateOf(trace?.edges, callEdgeId(e)),
      ),
    ),
    ...drawn.carries.map((e) =>
      edge(
        carryEdgeId(e),
        e.source,
        nodeId('tag', e.tag),
        'data',
        e.calls,
        max,
        stateOf(trace?.edges, carryEdgeId(e)),
      ),
    ),
  ];
  return { nodes, edges };
}

function splitId(id: string): ['tool' | 'other' | 'more', string] {
  const at = id.indexOf(':');
  const kind = id.slice(0, at);
  return [kind === 'other' || kind === 'more' ? kind : 'tool', id.slice(at + 1)];
}

/** The middle column's node for a tool, an agent's bucket (name = agent) or its "+N more". */
function toolNode(
  kind: 'tool' | 'other' | 'more',
  name: string,
  tool: AgentGraph['tools'][number] | undefined,
  drawn: DrawnGraph,
):
  | (Pick<GraphNodeData, 'label' | 'calls' | 'tone' | 'detail' | 'paused'> & { agent?: string })
  | null {
  const base = { paused: false };
  switch (kind) {
    case 'tool': {
      if (!tool) return null;
      const shared = tool.agents.length > 1 ? ` · ${tool.agents.length} agents` : '';
      const detail = `${calls(tool.calls)}${shared}`;
      return { ...base, label: name, calls: tool.calls, tone: toneOf(tool), detail };
    }
    case 'other': {
      const c = drawn.others.get(name) ?? zero();
      const detail = `${calls(c.calls)} · names past ${MAX_ACTIONS_PER_AGENT}`;
      return {
        ...base,
        label: 'Other actions',
        agent: name,
        calls: c.calls,
        tone: toneOf(c),
        detail,
      };
    }
    case 'more': {
      const m = drawn.more.get(name) ?? { ...zero(), tools: 0 };
      const label = `+${m.tools} more tool${m.tools === 1 ? '' : 's'}`;
      const detail = `${calls(m.calls)} · all on the agent’s page`;
      return { ...base, label, agent: name, calls: m.calls, tone: toneOf(m), detail };
    }
  }
}

function edge(
  id: string,
  source: string,
  target: string,
  tone: Tone,
  n: number,
  max: number,
  trace: TraceState,
): Edge {
  return {
    id,
    source,
    target,
    className: `graph-edge tone-${tone} trace-${trace}`,
    style: { strokeWidth: widthFor(n, max) },
    ariaLabel: `${source.replace(':', ' ')} to ${target.replace(':', ' ')}: ${calls(n)}`,
    focusable: false,
    selectable: false,
  };
}
