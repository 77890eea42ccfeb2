import { useState } from 'react';
import { Bot, ChevronDown, ChevronUp, Tag } from 'lucide-react';
import { toneOf, TOOLS_PER_AGENT, type AgentGraph, type Tone } from '../../lib/graphLayout';
import { isOtherActions, OtherActionsName } from '../OtherActions';
import { TOOLS_PAGE, ToolPager, ToolSearch, useToolPages } from '../ToolPages';

type Call = AgentGraph['calls'][number];

/** The graph's tones as a card's or a row's left border, in both themes. */
const BORDER: Record<Tone, string> = {
  allow: 'border-l-green-600 dark:border-l-green-500',
  review: 'border-l-amber-600 dark:border-l-amber-500',
  block: 'border-l-red-600 dark:border-l-red-400',
  data: 'border-l-violet-600 dark:border-l-violet-400',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The graph as text, for a phone: each agent, the tools it called (coloured as the map's edges,
 * with what was stopped or held) and the data those tools carried. Same data and trace as the
 * map, at a size that reads at 390 px without zooming.
 */
export function GraphList({
  graph,
  traced,
  onTrace,
}: {
  graph: AgentGraph;
  traced: string | null;
  onTrace: (agent: string | null) => void;
}) {
  const tagsOf = new Map<string, string[]>();
  for (const c of graph.carries) tagsOf.set(c.tool, [...(tagsOf.get(c.tool) ?? []), c.tag]);
  const sharedBy = new Map(graph.tools.map((t) => [t.name, t.agents.length]));
  return (
    <ul className="space-y-3" aria-label="Agents and their tools" data-testid="graph-list">
      {graph.agents.map((a) => {
        const calls = graph.calls.filter((e) => e.agent === a.name);
        const on = traced === a.name;
        return (
          <li
            key={a.name}
            className={`card border-l-4 ${BORDER[toneOf(a)]} ${on ? 'ring-2 ring-neutral-900 dark:ring-neutral-100' : ''}`}
            data-testid="graph-list-agent"
            data-name={a.name}
          >
            <div className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1">
              <button
                type="button"
                className="flex min-w-0 items-center gap-2 text-left text-base font-semibold underline-offset-2 hover:underline"
                aria-pressed={on}
                title={on ? 'Stop tracing' : 'Trace this agent'}
                onClick={() => onTrace(on ? null : a.name)}
                data-trace-for={a.name}
              >
                <Bot className="size-4 shrink-0" aria-hidden />
                <span className="break-all">{a.name}</span>
              </button>
              <span className="text-sm tabular-nums muted">
                {plural(a.calls, 'call')}
                {a.status === 'PAUSED' && ' · paused'}
              </span>
            </div>
            <AgentTools agent={a.name} calls={calls} tagsOf={tagsOf} sharedBy={sharedBy} />
          </li>
        );
      })}
    </ul>
  );
}

const toolOf = (e: Call) => e.tool;

/**
 * An agent's tools, busiest first: as many as the map draws (TOOLS_PER_AGENT) and its
 * "(other actions)", then on request all of them, a page at a time with a search, as on the
 * agent's page. All ~300 of one agent's tools made a list thousands of pixels long in which the
 * other agents were lost.
 */
function AgentTools({
  agent,
  calls,
  tagsOf,
  sharedBy,
}: {
  agent: string;
  calls: readonly Call[];
  tagsOf: Map<string, string[]>;
  sharedBy: Map<string, number>;
}) {
  const [all, setAll] = useState(false);
  const { query, search, shown, pager } = useToolPages(calls, toolOf);
  const tools = calls.filter((e) => !isOtherActions(e.tool));
  const hidden = tools.length - TOOLS_PER_AGENT;
  const rows = all
    ? shown
    : [...tools.slice(0, TOOLS_PER_AGENT), ...calls.filter((e) => isOtherActions(e.tool))];
  const toggle = (
    <button
      type="button"
      className="btn btn-ghost mt-1 px-2.5 py-1 text-sm"
      aria-expanded={all}
      onClick={() => {
        setAll(!all);
        search('');
      }}
    >
      {all ? (
        <ChevronUp className="size-4" aria-hidden />
      ) : (
        <ChevronDown className="size-4" aria-hidden />
      )}
      {all
        ? `Show the busiest ${TOOLS_PER_AGENT}`
        : `Show all ${tools.length} tools (+${hidden} more)`}
    </button>
  );
  return (
    <div className="mt-2">
      {all && calls.length > TOOLS_PAGE && (
        <ToolSearch
          query={query}
          onChange={search}
          total={calls.length}
          label={`Find a tool of ${agent}`}
        />
      )}
      {rows.length === 0 ? (
        <p className="py-2 text-sm muted">No tool of this agent’s matches “{query.trim()}”.</p>
      ) : (
        <ul
          className="divide-y divide-neutral-200 dark:divide-neutral-800"
          aria-label={`Tools of ${agent}`}
        >
          {rows.map((e) => (
            <ToolItem
              key={e.tool}
              call={e}
              tags={tagsOf.get(e.tool) ?? []}
              shared={sharedBy.get(e.tool) ?? 1}
            />
          ))}
        </ul>
      )}
      {all && pager.pages > 1 && <ToolPager {...pager} label={`Pages of ${agent}’s tools`} />}
      {hidden > 0 && toggle}
    </div>
  );
}

/** A tool's row: its calls coloured as the map's edge, what was stopped or held, its data. */
function ToolItem({ call: e, tags, shared }: { call: Call; tags: string[]; shared: number }) {
  const stopped = e.blocked + e.killed;
  return (
    <li className={`border-l-4 py-1.5 pl-2 ${BORDER[toneOf(e)]}`} data-testid="graph-list-tool">
      <p className="flex flex-wrap items-baseline justify-between gap-x-2">
        {isOtherActions(e.tool) ? (
          <OtherActionsName className="text-sm" />
        ) : (
          <span className="font-mono text-sm font-semibold break-all">{e.tool}</span>
        )}
        <span className="text-xs tabular-nums muted">
          {plural(e.calls, 'call')}
          {stopped > 0 && (
            <span className="text-block-ink dark:text-red-300"> · {stopped} stopped</span>
          )}
          {e.review > 0 && (
            <span className="text-review dark:text-amber-300"> · {e.review} review</span>
          )}
          {shared > 1 && ` · ${shared} agents`}
        </span>
      </p>
      {tags.length > 0 && (
        <p className="mt-1 flex flex-wrap gap-1" aria-label={`Data through ${e.tool}`}>
          {tags.map((t) => (
            <span
              key={t}
              className="inline-flex items-center gap-1 rounded-full bg-violet-100 px-2 py-0.5 text-xs font-semibold text-violet-800 dark:bg-violet-950 dark:text-violet-200"
            >
              <Tag className="size-3" aria-hidden />
              {t}
            </span>
          ))}
        </p>
      )}
    </li>
  );
}
