import { useEffect, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';

/** The anchor of an agent's section: `#agent-<name>`, shareable and stable across reloads. */
export const agentAnchor = (agent: string) => `agent-${encodeURIComponent(agent)}`;

/**
 * Violations in one section per agent (the order they come in, most severe first, is kept within
 * each), under a "Jump to" bar of anchors (sticky from a tablet up; on a phone it would take a
 * third of the screen): the page listed every violation in one run, a
 * scroll of several screens with no way to reach the agent one came for. A `#agent-…` link opens
 * on its section.
 */
export function ViolationSections<V extends { key: string; agent: string }>({
  violations,
  row,
}: {
  violations: readonly V[];
  row: (v: V) => ReactNode;
}) {
  const groups = new Map<string, V[]>();
  for (const v of violations) groups.set(v.agent, [...(groups.get(v.agent) ?? []), v]);
  const agents = [...groups.keys()].sort();
  useScrollToHash(violations.length > 0);
  return (
    <>
      <JumpTo agents={agents} counts={groups} />
      <div className="space-y-6">
        {agents.map((a) => (
          <section
            key={a}
            id={agentAnchor(a)}
            aria-labelledby={`${agentAnchor(a)}-title`}
            className="scroll-mt-28"
          >
            <h2 id={`${agentAnchor(a)}-title`} className="mb-2 font-bold wrap-anywhere">
              {a}
            </h2>
            <ul className="space-y-3">{groups.get(a)?.map(row)}</ul>
          </section>
        ))}
      </div>
    </>
  );
}

/**
 * Up to this many agents the bar shows a link each; past it they crowded the bar into rows that
 * took the screen (30 agents with long names: a third of it, sticky), so it becomes one list.
 */
const LINKS_UP_TO = 8;

/** The "Jump to" bar: a link per agent, or past LINKS_UP_TO a select that sets the same `#…`. */
function JumpTo({ agents, counts }: { agents: string[]; counts: Map<string, unknown[]> }) {
  const navigate = useNavigate();
  const { search, hash } = useLocation();
  const count = (a: string) => counts.get(a)?.length ?? 0;
  return (
    <nav
      aria-label="Jump to an agent"
      className="-mx-1 mb-4 flex flex-wrap items-center gap-2 bg-white/95 px-1 py-2 text-sm sm:sticky sm:top-14 sm:z-10 dark:bg-neutral-950/95"
    >
      {agents.length <= LINKS_UP_TO ? (
        <>
          <span className="text-xs font-semibold muted">Jump to</span>
          {agents.map((a) => (
            <a
              key={a}
              href={`#${agentAnchor(a)}`}
              title={a}
              className="flex max-w-full min-w-0 shrink-0 items-baseline gap-1 rounded-full border border-neutral-300 px-3 py-1 font-semibold hover:bg-neutral-100 sm:max-w-72 dark:border-neutral-700 dark:hover:bg-neutral-800"
            >
              <span className="truncate">{a}</span>{' '}
              <span className="tabular-nums muted">{count(a)}</span>
            </a>
          ))}
        </>
      ) : (
        <label className="flex w-full min-w-0 items-center gap-2 sm:w-auto">
          <span className="shrink-0 text-xs font-semibold muted">Jump to</span>
          <select
            className="input min-w-0 flex-1 sm:w-96 sm:flex-none"
            value={agents.find((a) => hash === `#${agentAnchor(a)}`) ?? ''}
            onChange={(e) => {
              // the search kept: a filtered view's link stays one
              if (e.target.value) void navigate({ search, hash: agentAnchor(e.target.value) });
            }}
          >
            <option value="">{agents.length} agents — choose one</option>
            {agents.map((a) => (
              <option key={a} value={a}>
                {a} ({count(a)})
              </option>
            ))}
          </select>
        </label>
      )}
    </nav>
  );
}

/** Once the list is there, scrolls to the URL's `#…` anchor (it was not yet when the page opened). */
function useScrollToHash(ready: boolean) {
  const { hash } = useLocation();
  useEffect(() => {
    if (ready && hash) document.getElementById(hash.slice(1))?.scrollIntoView();
  }, [ready, hash]);
}
