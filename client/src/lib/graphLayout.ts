import type { Edge, Node } from '@xyflow/react';
import type { RouterOutputs } from './trpc';

export type AgentGraph = RouterOutputs['graph']['get'];
export type NodeKind = 'agent' | 'tool' | 'tag';
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

/** What tracing `agent` lights up: its tools, their data tags, and the agents sharing those tools. */
export function traceOf(
  graph: AgentGraph,
  agent: string,
): { nodes: Set<string>; edges: Set<string> } {
  const nodes = new Set([nodeId('agent', agent)]);
  const edges = new Set<string>();
  const tools = new Set(graph.calls.filter((e) => e.agent === agent).map((e) => e.tool));
  for (const e of graph.calls) {
    if (!tools.has(e.tool)) continue;
    nodes.add(nodeId('agent', e.agent)).add(nodeId('tool', e.tool));
    edges.add(callEdgeId(e));
  }
  for (const e of graph.carries) {
    if (!tools.has(e.tool)) continue;
    nodes.add(nodeId('tag', e.tag));
    edges.add(carryEdgeId(e));
  }
  return { nodes, edges };
}

const callEdgeId = (e: { agent: string; tool: string }) => `calls:${e.agent}->${e.tool}`;
const carryEdgeId = (e: { tool: string; tag: string }) => `carries:${e.tool}->${e.tag}`;

const COLUMN_X: Record<NodeKind, number> = { agent: 0, tool: 320, tag: 680 };
const ROW = 60;

/** Orders a column by the mean row of its neighbours in the previous one, to cut crossings. */
function byBarycenter(
  names: string[],
  neighbours: (name: string) => string[],
  rowOf: Map<string, number>,
): string[] {
  const center = (name: string) => {
    const rows = neighbours(name).map((n) => rowOf.get(n) ?? 0);
    return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.MAX_SAFE_INTEGER;
  };
  return [...names].sort((a, b) => center(a) - center(b) || a.localeCompare(b));
}

/**
 * Three columns — agents, the tools they call, the data those tools carry — as xyflow nodes and
 * edges. Edge width is calls; colour the block/review share; a traced agent dims everything
 * outside its trace.
 */
export function layoutGraph(
  graph: AgentGraph,
  traced: string | null,
): { nodes: GraphNode[]; edges: Edge[] } {
  const trace = traced ? traceOf(graph, traced) : null;
  const stateOf = (set: Set<string> | undefined, id: string): TraceState =>
    set ? (set.has(id) ? 'on' : 'off') : 'none';

  const agentRow = new Map(graph.agents.map((a, i) => [a.name, i]));
  const toolOrder = byBarycenter(
    graph.tools.map((t) => t.name),
    (tool) => graph.tools.find((t) => t.name === tool)?.agents ?? [],
    agentRow,
  );
  const toolRow = new Map(toolOrder.map((t, i) => [t, i]));
  const tagOrder = byBarycenter(
    graph.tags.map((t) => t.name),
    (tag) => graph.carries.filter((c) => c.tag === tag).map((c) => c.tool),
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
    data: Pick<GraphNodeData, 'calls' | 'tone' | 'detail' | 'paused'>,
  ) => {
    const id = nodeId(kind, name);
    nodes.push({
      id,
      type: 'entity',
      position: { x: COLUMN_X[kind], y: y(row, count) },
      data: { kind, label: name, trace: stateOf(trace?.nodes, id), ...data },
      connectable: false,
    });
  };
  graph.agents.forEach((a, i) =>
    push('agent', a.name, i, graph.agents.length, {
      calls: a.calls,
      tone: toneOf(a),
      detail: calls(a.calls),
      paused: a.status === 'PAUSED',
    }),
  );
  const tools = new Map(graph.tools.map((t) => [t.name, t]));
  toolOrder.forEach((name, i) => {
    const t = tools.get(name)!;
    const shared = t.agents.length > 1 ? ` · ${t.agents.length} agents` : '';
    push('tool', name, i, toolOrder.length, {
      calls: t.calls,
      tone: toneOf(t),
      detail: `${calls(t.calls)}${shared}`,
      paused: false,
    });
  });
  const tags = new Map(graph.tags.map((t) => [t.name, t]));
  tagOrder.forEach((name, i) => {
    const t = tags.get(name)!;
    push('tag', name, i, tagOrder.length, {
      calls: t.calls,
      tone: 'data',
      detail: `${t.kind === 'detector' ? 'DLP finding' : 'declared tag'} · ${calls(t.calls)}`,
      paused: false,
    });
  });

  const max = Math.max(1, ...graph.calls.map((e) => e.calls), ...graph.carries.map((e) => e.calls));
  const edges: Edge[] = [
    ...graph.calls.map((e) =>
      edge(
        callEdgeId(e),
        nodeId('agent', e.agent),
        nodeId('tool', e.tool),
        toneOf(e),
        e.calls,
        max,
        stateOf(trace?.edges, callEdgeId(e)),
      ),
    ),
    ...graph.carries.map((e) =>
      edge(
        carryEdgeId(e),
        nodeId('tool', e.tool),
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
