import { useEffect, useMemo, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import {
  Controls,
  getViewportForBounds,
  ReactFlow,
  useReactFlow,
  useStore as useFlowStore,
  type NodeMouseHandler,
  type ReactFlowState,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import '../styles/graph.css';
import { List, Network } from 'lucide-react';
import { useTRPC } from '../lib/trpc';
import { useMediaQuery } from '../hooks/useMediaQuery';
import { useStore } from '../lib/store';
import { themeStore } from '../lib/theme';
import { layoutGraph, nodeId, type AgentGraph, type GraphNode } from '../lib/graphLayout';
import { rangeInput, useRange } from '../hooks/useRange';
import { RangePicker } from '../components/RangePicker';
import { Cmd, EmptyState } from '../components/EmptyState';
import { PageHeader, QueryState } from '../components/QueryState';
import { EntityNode } from '../components/graph/EntityNode';
import { GraphLegend } from '../components/graph/GraphLegend';
import { GraphList } from '../components/graph/GraphList';
import { TracePanel } from '../components/graph/TracePanel';
import { isOtherActions } from '../components/OtherActions';

// Outside the component: xyflow re-mounts every node when nodeTypes changes identity.
const NODE_TYPES = { entity: EntityNode };

type View = 'map' | 'list';
/** Below this width the whole map fits only at a size nobody can read: the list comes first. */
const NARROW = '(max-width: 639px)';
/** From this width (Tailwind's xl) the trace panel sits beside the map; below it, under it. */
const WIDE = '(min-width: 1280px)';
/**
 * Below xl the panel's place is under the map, out of sight: a click on a node seemed to do
 * nothing. There it floats over the map's corner instead (a bottom sheet on a phone), so the
 * trace is read beside what it lights up, and its close button stops it.
 */
const DRAWER =
  'max-xl:fixed max-xl:inset-x-2 max-xl:bottom-2 max-xl:z-20 max-xl:max-h-[50vh] max-xl:overflow-y-auto max-xl:rounded-2xl max-xl:shadow-2xl sm:max-xl:left-auto sm:max-xl:w-96 sm:max-xl:max-h-[70vh]';
/** The least zoom at which the nodes' 13 px labels still read (about 11 px on screen). */
const READABLE_ZOOM = 0.85;
const FIT_PADDING = 0.15;
const MIN_ZOOM = 0.2;
const MAX_ZOOM = 2;

/**
 * The agent graph: agents, the tools they call and the data those carry, for the URL's range.
 * `?agent=` traces one agent (linkable); clicking another agent moves the trace, the pane clears it.
 */
export function GraphPage() {
  const trpc = useTRPC();
  const [range] = useRange();
  const [params, setParams] = useSearchParams();
  const traced = params.get('agent');
  const narrow = useMediaQuery(NARROW);
  const wide = useMediaQuery(WIDE);
  const asked = params.get('view');
  // `?view=` when chosen (linkable); otherwise by the screen: the list on a phone, the map elsewhere.
  const view: View = asked === 'map' || asked === 'list' ? asked : narrow ? 'list' : 'map';
  const input = rangeInput(range);
  const graph = useQuery(trpc.graph.get.queryOptions(input));

  const setParam = (name: string, value: string | null) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });
  const data = graph.data;
  const known = data && traced && data.agents.some((a) => a.name === traced) ? traced : null;
  const { trace, headingRef } = useTraceFocus(known, (agent) => setParam('agent', agent));
  return (
    <>
      <PageHeader
        title="Graph"
        subtitle={
          data ? summary(data) : 'Agents, the tools they call and the data flowing through them'
        }
        actions={
          <div className="flex flex-wrap items-center gap-2">
            <ViewSwitch view={view} onChange={(v) => setParam('view', v)} />
            <RangePicker />
          </div>
        }
      />
      <QueryState query={graph} rows={4}>
        {data && data.calls.length === 0 ? (
          <EmptyState title="No calls in this range" icon={Network}>
            The graph draws agents, their tools and the data those tools carry once agents make
            calls. Run <Cmd>npm run demo</Cmd>, or pick a longer range.
          </EmptyState>
        ) : (
          data && (
            // From a 1280 px screen the panels sit beside the map, so a trace is read beside what
            // it lights up (under it, it was a scroll past the whole map away). A 15rem column
            // leaves the map the width its three columns need at READABLE_ZOOM; from 1600 px the
            // panels widen. Below 1280 px they go under the map (two across), but for the trace,
            // which floats over the map (DRAWER).
            <div className="grid min-w-0 gap-4 xl:grid-cols-[minmax(0,1fr)_15rem] min-[100rem]:grid-cols-[minmax(0,1fr)_20rem]">
              {view === 'map' ? (
                <FlowCanvas graph={data} traced={known} onTrace={trace} narrow={narrow} />
              ) : (
                <GraphList graph={data} traced={known} onTrace={trace} />
              )}
              <aside className="grid min-w-0 content-start gap-4 lg:grid-cols-2 xl:grid-cols-1">
                {known ? (
                  <ScrollIntoViewOnChange
                    on={view === 'list' && !wide}
                    value={known}
                    className={view === 'map' ? DRAWER : ''}
                  >
                    <TracePanel
                      graph={data}
                      agent={known}
                      onTrace={trace}
                      headingRef={headingRef}
                    />
                  </ScrollIntoViewOnChange>
                ) : (
                  view === 'map' && <AgentPicker graph={data} onTrace={trace} />
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

/**
 * Keyboard focus for the trace panel: a trace a person opens (or moves) takes focus to the
 * panel's heading, so a keyboard or screen reader is where the answer is (it stayed on the node,
 * the panel unannounced); when it closes, focus returns to what opened it — the node, the list's
 * row, or (the picker's buttons are replaced by the panel) the picker's button for that agent.
 * A trace opened by a link takes no focus: the page opens on its header as any page does.
 */
function useTraceFocus(known: string | null, setTrace: (agent: string | null) => void) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const asked = useRef(false);
  const shown = useRef<string | null>(null);
  const trace = (agent: string | null) => {
    const active = document.activeElement;
    if (agent && active instanceof HTMLElement && !active.closest('[data-testid="trace-panel"]'))
      opener.current = active;
    asked.current = agent !== null;
    setTrace(agent);
  };
  useEffect(() => {
    const was = shown.current;
    shown.current = known;
    if (known) {
      if (asked.current) headingRef.current?.focus();
      asked.current = false;
      return;
    }
    // Focus left with the panel (its close button, Escape inside it, a click on the map's pane):
    // give it back. Focus a person moved elsewhere stays there.
    const active = document.activeElement;
    if (was && (!active || active === document.body)) openerOf(opener.current, was)?.focus();
  }, [known]);
  return { trace, headingRef };
}

/** What opened the trace of `agent`, or (if that is gone) another control that traces it. */
function openerOf(el: HTMLElement | null, agent: string): HTMLElement | null {
  if (el?.isConnected) return el;
  // the picker's or the list's button first (a keyboard's way in), else the map's node
  return (
    document.querySelector<HTMLElement>(`[data-trace-for="${CSS.escape(agent)}"]`) ??
    document.querySelector<HTMLElement>(
      `.react-flow__node[data-id="${CSS.escape(nodeId('agent', agent))}"]`,
    )
  );
}

function summary(g: AgentGraph): string {
  // an agent's "(other actions)" is no tool, and each agent's counts different names
  const tools = g.tools.filter((t) => !isOtherActions(t.name));
  const shared = tools.filter((t) => t.agents.length > 1).length;
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${n(g.agents.length, 'agent')} · ${n(tools.length, 'tool')} (${shared} shared) · ${n(g.tags.length, 'data tag')}${g.truncated ? ' · busiest edges only' : ''}`;
}

function FlowCanvas({
  graph,
  traced,
  onTrace,
  narrow,
}: {
  graph: AgentGraph;
  traced: string | null;
  onTrace: (a: string | null) => void;
  narrow: boolean;
}) {
  const theme = useStore(themeStore);
  const { nodes, edges } = useMemo(() => layoutGraph(graph, traced), [graph, traced]);
  // On a desktop the canvas grows with the graph, so many tools still fit at a readable zoom
  // (the page scrolls instead of the labels shrinking); a phone keeps its fixed height and pans.
  const tall = narrow ? undefined : readableHeight(nodes);
  const onNodeClick: NodeMouseHandler<GraphNode> = (event, node) => {
    if (node.data.kind === 'agent') onTrace(node.data.label === traced ? null : node.data.label);
    // "+N more" is a link; a click on the card around it follows it too
    if (node.data.kind === 'more' && !(event.target as Element).closest('a')) followLink(node.id);
  };
  // A focused agent node traces on Enter as on a click (xyflow gives nodes focus, not a key to
  // act on): the map was mouse-only, and Escape's return of focus lands on the node. A focused
  // "+N more" card follows its link (the link itself takes Enter as any link does).
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || !(event.target instanceof HTMLElement)) return;
    if (event.target.closest('a')) return;
    const id = event.target.closest('.react-flow__node')?.getAttribute('data-id') ?? '';
    const node = nodes.find((n) => n.id === id);
    if (node?.data.kind === 'more') {
      event.preventDefault();
      followLink(node.id);
    }
    if (node?.data.kind !== 'agent') return;
    event.preventDefault();
    onTrace(node.data.label === traced ? null : node.data.label);
  };
  return (
    <div
      className="graph-canvas h-[60vh] min-h-[22rem] overflow-hidden rounded-2xl border border-neutral-200 lg:h-[calc(100vh-11rem)] dark:border-neutral-800"
      data-testid="graph-canvas"
      data-traced={traced ?? ''}
      style={tall ? { minHeight: tall } : undefined}
      onKeyDown={onKeyDown}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodeClick={onNodeClick}
        onPaneClick={() => traced && onTrace(null)}
        colorMode={theme}
        nodesConnectable={false}
        fitViewOptions={{ padding: FIT_PADDING }}
        minZoom={MIN_ZOOM}
        maxZoom={MAX_ZOOM}
        aria-label="Agent graph"
      >
        <Controls showInteractive={false} />
        <FitOnResize nodes={nodes.length} />
      </ReactFlow>
    </div>
  );
}

/** Clicks the link in the node `id` (a "+N more" card), so the link decides where it leads. */
function followLink(id: string): void {
  document
    .querySelector<HTMLAnchorElement>(`.react-flow__node[data-id="${CSS.escape(id)}"] a`)
    ?.click();
}

/** Node cards' height in flow units (two lines of text and padding), for the canvas's height. */
const NODE_HEIGHT = 48;
/** Past this the canvas stops growing and the readable zoom opens on the top left, to be panned. */
const MAX_CANVAS = 2400;

/** The canvas height (px) at which the whole graph fits at READABLE_ZOOM, at most MAX_CANVAS. */
function readableHeight(nodes: readonly { position: { y: number } }[]): number {
  const ys = nodes.map((n) => n.position.y);
  if (!ys.length) return 0;
  const span = Math.max(...ys) - Math.min(...ys) + NODE_HEIGHT;
  return Math.min(MAX_CANVAS, Math.ceil(span * READABLE_ZOOM * (1 + 2 * FIT_PADDING)));
}

/**
 * Fits the graph again when the canvas changes size (a rotated phone, a resized window) or grows.
 * A graph that would fit only below READABLE_ZOOM (a phone; a desktop past MAX_CANVAS) opens at
 * that zoom on its top left — the agents — instead, to be panned and pinched; the fit button
 * still shows all.
 */
function FitOnResize({ nodes }: { nodes: number }) {
  const { setViewport, getNodes, getNodesBounds } = useReactFlow();
  const width = useFlowStore((s) => s.width);
  const height = useFlowStore((s) => s.height);
  // Not useNodesInitialized: it reads the nodes we pass, which never get their measured sizes
  // back (the graph is read-only, so it takes no node changes).
  const measured = useFlowStore(allMeasured);
  useEffect(() => {
    if (!measured || !width || !height) return;
    // The viewport is computed and set here rather than with fitView, whose deferred fit would
    // land after (and undo) the readable one.
    const b = getNodesBounds(getNodes());
    const fit = getViewportForBounds(b, width, height, MIN_ZOOM, MAX_ZOOM, FIT_PADDING);
    const margin = 12;
    void setViewport(
      fit.zoom >= READABLE_ZOOM
        ? fit
        : {
            x: margin - b.x * READABLE_ZOOM,
            y: margin - b.y * READABLE_ZOOM,
            zoom: READABLE_ZOOM,
          },
    );
  }, [width, height, nodes, measured, setViewport, getNodes, getNodesBounds]);
  return null;
}

const allMeasured = (s: ReactFlowState) =>
  s.nodeLookup.size > 0 && [...s.nodeLookup.values()].every((n) => (n.measured.width ?? 0) > 0);

/** Map or list: the map shows shape and sharing, the list reads on any screen. */
function ViewSwitch({ view, onChange }: { view: View; onChange: (v: View) => void }) {
  const options = [
    { value: 'map', label: 'Map', Icon: Network },
    { value: 'list', label: 'List', Icon: List },
  ] as const;
  return (
    <div
      className="inline-flex rounded-full border border-neutral-300 p-0.5 dark:border-neutral-700"
      role="group"
      aria-label="Show the graph as"
    >
      {options.map(({ value, label, Icon }) => (
        <button
          key={value}
          type="button"
          aria-pressed={view === value}
          className={`inline-flex items-center gap-1 rounded-full px-3 py-1 text-sm font-semibold ${
            view === value
              ? 'bg-neutral-900 text-white dark:bg-neutral-100 dark:text-neutral-900'
              : 'hover:bg-neutral-100 dark:hover:bg-neutral-800'
          }`}
          onClick={() => onChange(value)}
        >
          <Icon className="size-4" aria-hidden />
          {label}
        </button>
      ))}
    </div>
  );
}

/** Brings its content into view when `value` changes (a trace picked in the list, under it). */
function ScrollIntoViewOnChange({
  on,
  value,
  className,
  children,
}: {
  on: boolean;
  value: string;
  className: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // not on arrival: a linked trace should not scroll the page away from its header
    if (first.current) {
      first.current = false;
      return;
    }
    if (on) ref.current?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }, [on, value]);
  return (
    <div ref={ref} className={className}>
      {children}
    </div>
  );
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
              data-trace-for={a.name}
            >
              {a.name} <span className="tabular-nums muted">{a.calls}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
