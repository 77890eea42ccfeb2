import { useEffect, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import {
  Controls,
  ReactFlow,
  useReactFlow,
  useStore as useFlowStore,
  type NodeMouseHandler,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import '../styles/graph.css';
import { Network } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { useStore } from '../lib/store';
import { themeStore } from '../lib/theme';
import { layoutGraph, type AgentGraph, type GraphNode } from '../lib/graphLayout';
import { rangeInput, useRange } from '../hooks/useRange';
import { RangePicker } from '../components/RangePicker';
import { Cmd, EmptyState } from '../components/EmptyState';
import { PageHeader, QueryState } from '../components/QueryState';
import { EntityNode } from '../components/graph/EntityNode';
import { GraphLegend } from '../components/graph/GraphLegend';
import { TracePanel } from '../components/graph/TracePanel';

// Outside the component: xyflow re-mounts every node when nodeTypes changes identity.
const NODE_TYPES = { entity: EntityNode };

/**
 * The agent graph: agents, the tools they call and the data those carry, for the URL's range.
 * `?agent=` traces one agent (linkable); clicking another agent moves the trace, the pane clears it.
 */
export function GraphPage() {
  const trpc = useTRPC();
  const [range] = useRange();
  const [params, setParams] = useSearchParams();
  const traced = params.get('agent');
  const input = rangeInput(range);
  const graph = useQuery(trpc.graph.get.queryOptions(input));

  const trace = (agent: string | null) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (agent) next.set('agent', agent);
      else next.delete('agent');
      return next;
    });

  const data = graph.data;
  const known = data && traced && data.agents.some((a) => a.name === traced) ? traced : null;
  return (
    <>
      <PageHeader
        title="Graph"
        subtitle={
          data ? summary(data) : 'Agents, the tools they call and the data flowing through them'
        }
        actions={<RangePicker />}
      />
      <QueryState isPending={graph.isPending} error={graph.error} rows={4}>
        {data && data.calls.length === 0 ? (
          <EmptyState title="No calls in this range" icon={Network}>
            The graph draws agents, their tools and the data those tools carry once agents make
            calls. Run <Cmd>npm run demo</Cmd>, or pick a longer range.
          </EmptyState>
        ) : (
          data && (
            <div className="grid min-w-0 gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
              <FlowCanvas graph={data} traced={known} onTrace={trace} />
              <aside className="min-w-0 space-y-4">
                {known ? (
                  <TracePanel graph={data} agent={known} onTrace={trace} />
                ) : (
                  <AgentPicker graph={data} onTrace={trace} />
                )}
                <div className="card">
                  <h2 className="mb-2 text-sm font-semibold">Legend</h2>
                  <GraphLegend />
                </div>
              </aside>
            </div>
          )
        )}
      </QueryState>
    </>
  );
}

function summary(g: AgentGraph): string {
  const shared = g.tools.filter((t) => t.agents.length > 1).length;
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${n(g.agents.length, 'agent')} · ${n(g.tools.length, 'tool')} (${shared} shared) · ${n(g.tags.length, 'data tag')}${g.truncated ? ' · busiest edges only' : ''}`;
}

function FlowCanvas({
  graph,
  traced,
  onTrace,
}: {
  graph: AgentGraph;
  traced: string | null;
  onTrace: (a: string | null) => void;
}) {
  const theme = useStore(themeStore);
  const { nodes, edges } = useMemo(() => layoutGraph(graph, traced), [graph, traced]);
  const onNodeClick: NodeMouseHandler<GraphNode> = (_, node) => {
    if (node.data.kind === 'agent') onTrace(node.data.label === traced ? null : node.data.label);
  };
  return (
    <div
      className="graph-canvas h-[60vh] min-h-[22rem] overflow-hidden rounded-2xl border border-neutral-200 lg:h-[calc(100vh-11rem)] dark:border-neutral-800"
      data-testid="graph-canvas"
      data-traced={traced ?? ''}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodeClick={onNodeClick}
        onPaneClick={() => traced && onTrace(null)}
        colorMode={theme}
        nodesConnectable={false}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        minZoom={0.2}
        maxZoom={2}
        aria-label="Agent graph"
      >
        <Controls showInteractive={false} />
        <FitOnResize nodes={nodes.length} />
      </ReactFlow>
    </div>
  );
}

/** Fits the graph again when the canvas changes size (a rotated phone, a resized window) or grows. */
function FitOnResize({ nodes }: { nodes: number }) {
  const { fitView } = useReactFlow();
  const width = useFlowStore((s) => s.width);
  const height = useFlowStore((s) => s.height);
  useEffect(() => {
    void fitView({ padding: 0.15 });
  }, [width, height, nodes, fitView]);
  return null;
}

/** Before a trace: the agents by calls, as buttons (the keyboard's way in, and a phone's). */
function AgentPicker({ graph, onTrace }: { graph: AgentGraph; onTrace: (a: string) => void }) {
  return (
    <section className="card" aria-label="Trace an agent">
      <h2 className="text-sm font-semibold">Trace an agent</h2>
      <p className="mb-2 text-xs muted">
        Click an agent in the graph, or here, to light up its tools, their data and the agents
        sharing them.
      </p>
      <ul className="flex flex-wrap gap-1.5">
        {graph.agents.map((a) => (
          <li key={a.name}>
            <button
              type="button"
              className="btn btn-ghost px-2.5 py-1 text-xs"
              onClick={() => onTrace(a.name)}
            >
              {a.name} <span className="tabular-nums muted">{a.calls}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
