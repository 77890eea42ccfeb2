import { useEffect, type ReactNode } from 'react';
import { useLocation } from 'react-router';

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
      <nav
        aria-label="Jump to an agent"
        className="-mx-1 mb-4 flex flex-wrap items-center gap-2 bg-white/95 px-1 py-2 text-sm sm:sticky sm:top-14 sm:z-10 dark:bg-neutral-950/95"
      >
        <span className="text-xs font-semibold muted">Jump to</span>
        {agents.map((a) => (
          <a
            key={a}
            href={`#${agentAnchor(a)}`}
            className="shrink-0 rounded-full border border-neutral-300 px-3 py-1 font-semibold hover:bg-neutral-100 dark:border-neutral-700 dark:hover:bg-neutral-800"
          >
            {a} <span className="tabular-nums muted">{groups.get(a)?.length}</span>
          </a>
        ))}
      </nav>
      <div className="space-y-6">
        {agents.map((a) => (
          <section
            key={a}
            id={agentAnchor(a)}
            aria-labelledby={`${agentAnchor(a)}-title`}
            className="scroll-mt-28"
          >
            <h2 id={`${agentAnchor(a)}-title`} className="mb-2 font-bold">
              {a}
            </h2>
            <ul className="space-y-3">{groups.get(a)?.map(row)}</ul>
          </section>
        ))}
      </div>
    </>
  );
}

/** Once the list is there, scrolls to the URL's `#…` anchor (it was not yet when the page opened). */
function useScrollToHash(ready: boolean) {
  const { hash } = useLocation();
  useEffect(() => {
    if (ready && hash) document.getElementById(hash.slice(1))?.scrollIntoView();
  }, [ready, hash]);
}
