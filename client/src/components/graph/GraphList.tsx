import { Bot, Tag } from 'lucide-react';
import { toneOf, type AgentGraph, type Tone } from '../../lib/graphLayout';
import { isOtherActions, OtherActionsName } from '../OtherActions';

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
            <ul className="mt-2 divide-y divide-neutral-200 dark:divide-neutral-800">
              {calls.map((e) => {
                const stopped = e.blocked + e.killed;
                const shared = sharedBy.get(e.tool) ?? 1;
                return (
                  <li
                    key={e.tool}
                    className={`border-l-4 py-1.5 pl-2 ${BORDER[toneOf(e)]}`}
                    data-testid="graph-list-tool"
                  >
                    <p className="flex flex-wrap items-baseline justify-between gap-x-2">
                      {isOtherActions(e.tool) ? (
                        <OtherActionsName className="text-sm" />
                      ) : (
                        <span className="font-mono text-sm font-semibold break-all">{e.tool}</span>
                      )}
                      <span className="text-xs tabular-nums muted">
                        {plural(e.calls, 'call')}
                        {stopped > 0 && (
                          <span className="text-block-ink dark:text-red-300">
                            {' '}
                            · {stopped} stopped
                          </span>
                        )}
                        {e.review > 0 && (
                          <span className="text-review dark:text-amber-300">
                            {' '}
                            · {e.review} review
                          </span>
                        )}
                        {shared > 1 && ` · ${shared} agents`}
                      </span>
                    </p>
                    {(tagsOf.get(e.tool) ?? []).length > 0 && (
                      <p
                        className="mt-1 flex flex-wrap gap-1"
                        aria-label={`Data through ${e.tool}`}
                      >
                        {tagsOf.get(e.tool)!.map((t) => (
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
              })}
            </ul>
          </li>
        );
      })}
    </ul>
  );
}
