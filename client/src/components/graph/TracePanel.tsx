import { useEffect, type Ref } from 'react';
import { Link } from 'react-router';
import { X } from 'lucide-react';
import type { AgentGraph } from '../../lib/graphLayout';
import { SoftWrap } from '../SoftWrap';
import { isOtherActions, OtherActionsName } from '../OtherActions';

const VERDICTS = [
  ['allowed', 'Allowed', 'text-allow-ink dark:text-green-300'],
  ['blocked', 'Blocked', 'text-block-ink dark:text-red-300'],
  ['review', 'Review', 'text-review dark:text-amber-300'],
  ['killed', 'Killed', 'text-killed dark:text-fuchsia-300'],
] as const;

function activityLink(agent: string, action?: string): string {
  const q = new URLSearchParams({ agent });
  if (action) q.set('action', action);
  return `/activity?${q.toString()}`;
}

/** The traced agent: its calls by verdict, each tool's share with a link into Activity, what it shares. */
export function TracePanel({
  graph,
  agent,
  onTrace,
  headingRef,
}: {
  graph: AgentGraph;
  agent: string;
  onTrace: (agent: string | null) => void;
  /** Where focus goes when a trace opens or moves (the page decides when). */
  headingRef?: Ref<HTMLHeadingElement>;
}) {
  // Escape stops the trace, as it closes other floating panels: below 1280 px this one lies over
  // the map. A key another control already handled (a select's list, a dialog) is left to it.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) onTrace(null);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onTrace]);
  const me = graph.agents.find((a) => a.name === agent);
  const calls = graph.calls.filter((e) => e.agent === agent);
  const tools = new Set(calls.map((e) => e.tool));
  const tags = [
    ...new Set(graph.carries.filter((c) => tools.has(c.tool)).map((c) => c.tag)),
  ].sort();
  const sharing = [
    ...new Set(
      graph.calls.filter((e) => tools.has(e.tool) && e.agent !== agent).map((e) => e.agent),
    ),
  ].sort();
  return (
    // A region, not a dialog: beside the map it is part of the page, and even floating over the
    // map (below 1280 px) the map stays usable around it.
    <section
      aria-label={`Trace of ${agent}`}
      data-testid="trace-panel"
      className="@container card space-y-4"
    >
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="text-xs font-semibold uppercase tracking-wide muted">Tracing agent</p>
          <h2
            ref={headingRef}
            id="trace-title"
            tabIndex={-1}
            className="truncate rounded text-lg font-bold focus-visible:outline-2 focus-visible:outline-offset-2"
          >
            {agent}
          </h2>
          {me?.status === 'PAUSED' && (
            <p className="text-xs text-killed dark:text-fuchsia-300">Paused by the kill-switch</p>
          )}
        </div>
        <button
          type="button"
          className="btn btn-ghost size-8 p-0"
          aria-label="Stop tracing"
          onClick={() => onTrace(null)}
        >
          <X className="size-4" aria-hidden />
        </button>
      </div>
      {/* two across in the 15rem column beside the map (four made 50 px cells), four when wider */}
      <dl className="grid grid-cols-2 gap-2 text-center @2xs:grid-cols-4">
        {VERDICTS.map(([key, label, tone]) => (
          <div key={key} className="rounded-xl bg-neutral-50 p-2 dark:bg-neutral-800/60">
            <dt className="text-[11px] muted">{label}</dt>
            <dd className={`text-lg font-bold tabular-nums ${tone}`}>{me?.[key] ?? 0}</dd>
          </div>
        ))}
      </dl>
      <div>
        <h3 className="mb-1 text-sm font-semibold">Calls by tool</h3>
        <ul className="divide-y divide-neutral-200 text-sm dark:divide-neutral-800">
          {calls.map((e) => (
            <li
              key={e.tool}
              className="flex flex-wrap items-baseline justify-between gap-x-2 py-1.5"
            >
              {isOtherActions(e.tool) ? (
                <OtherActionsName className="text-xs" />
              ) : (
                <Link
                  to={activityLink(agent, e.tool)}
                  className="max-w-full min-w-0 font-mono text-xs font-semibold break-words underline-offset-2 hover:underline"
                >
                  <SoftWrap text={e.tool} />
                </Link>
              )}
              <span className="text-xs tabular-nums muted">
                {e.calls} {e.calls === 1 ? 'call' : 'calls'}
                {e.blocked + e.killed > 0 && (
                  <span className="text-block-ink dark:text-red-300">
                    {' '}
                    · {e.blocked + e.killed} stopped
                  </span>
                )}
                {e.review > 0 && (
                  <span className="text-review dark:text-amber-300"> · {e.review} review</span>
                )}
              </span>
            </li>
          ))}
        </ul>
      </div>
      {tags.length > 0 && (
        <div>
          <h3 className="mb-1 text-sm font-semibold">Data through it</h3>
          <p className="flex flex-wrap gap-1.5">
            {tags.map((t) => (
              <span
                key={t}
                className="rounded-full bg-violet-100 px-2 py-0.5 text-xs font-semibold text-violet-800 dark:bg-violet-950 dark:text-violet-200"
              >
                {t}
              </span>
            ))}
          </p>
        </div>
      )}
      {sharing.length > 0 && (
        <div>
          <h3 className="mb-1 text-sm font-semibold">Shares tools with</h3>
          <p className="flex flex-wrap gap-1.5">
            {sharing.map((a) => (
              <button
                key={a}
                type="button"
                className="btn btn-ghost px-2.5 py-0.5 text-xs"
                onClick={() => onTrace(a)}
              >
                {a}
              </button>
            ))}
          </p>
        </div>
      )}
      <Link to={activityLink(agent)} className="btn btn-primary w-full">
        All of {agent}’s calls in Activity
      </Link>
    </section>
  );
}
