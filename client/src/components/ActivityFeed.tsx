import { Link } from 'react-router';
import type { AuditEntry } from '../lib/liveFeed';
import { stamp, timeAgo } from '../lib/format';
import { useNow } from '../hooks/useNow';
import { FindingChips } from './FindingChips';
import { StatusBadge } from './StatusBadge';
import { TraceLine } from './TraceLine';
import { groupTraces } from '../lib/trace';
import { revealHidden } from '@aegis/shared/visibleText';

interface Props {
  entries: AuditEntry[];
  /** Hide the agent column on an agent's own page. */
  showAgent?: boolean;
  /** Show the argument preview and outcome (the Activity page). */
  detailed?: boolean;
  label: string;
  /** The entry being looked at (the entry page's neighbours): marked, not linked; the rows say
   *  their times to the second, as the entry does, to read as a sequence. */
  current?: number;
  /** One row per call: the entries of a call (decision, approval, run) fold into its newest. */
  traces?: boolean;
}

/** Who wrote the entry, as a reader of the log asks it: the server decided, the agent reported, a person did. */
export const SOURCE_LABEL = { server: 'decision', agent: 'agent report', person: 'person' } as const;

function Source({ entry }: { entry: AuditEntry }) {
  const by = entry.actor ? ` · ${entry.actor}` : '';
  return (
    <span className="shrink-0 text-xs muted" data-testid="audit-source" title={`Written by: ${entry.source}${by}`}>
      {SOURCE_LABEL[entry.source]}
      {entry.source !== 'server' && by}
    </span>
  );
}

/** Audit entries, newest first. Each row says who did what, with which verdict, and when. */
export function ActivityFeed({ entries, showAgent = true, detailed = false, label, current, traces = false }: Props) {
  const now = useNow(10_000);
  const rows = traces ? groupTraces(entries) : entries.map((e) => ({ head: e, steps: [e] }));
  return (
    <ul aria-label={label} className="divide-y divide-neutral-100 dark:divide-neutral-800">
      {rows.map(({ head: e, steps }) => (
        <li
          key={e.id}
          data-testid="audit-row"
          data-id={e.id}
          data-source={e.source}
          data-steps={steps.length}
          aria-current={e.id === current ? 'true' : undefined}
          className={`flex items-start gap-3 py-2.5 text-sm ${e.id === current ? 'bg-neutral-50 dark:bg-neutral-800/60' : ''}`}
        >
          <StatusBadge status={e.status} />
          <div className="min-w-0 flex-1">
            {/* the time wraps below the action on a narrow screen rather than squeezing it; a name
                too long for the line ends in an ellipsis (whole in its title), never broken mid-word */}
            <div className="flex flex-wrap items-baseline gap-x-2">
              <p className="flex min-w-40 flex-1 flex-wrap items-baseline gap-x-2">
                {e.id === current ? (
                  <span className="max-w-full truncate font-mono font-semibold" title={e.action} data-testid="feed-action">{e.action}</span>
                ) : (
                  <Link to={`/activity/${e.id}`} className="max-w-full truncate font-mono font-semibold underline-offset-2 hover:underline" aria-label={`${e.action}, entry #${e.id}`} title={e.action} data-testid="feed-action">
                    {e.action}
                  </Link>
                )}
                {showAgent && e.agent && (
                  <Link to={`/agents/${encodeURIComponent(e.agent)}`} className="max-w-full truncate text-xs font-semibold text-neutral-600 underline-offset-2 hover:underline dark:text-neutral-400" title={e.agent} data-testid="feed-agent">
                    {e.agent}
                  </Link>
                )}
                <Source entry={e} />
              </p>
              <time dateTime={e.timestamp} title={stamp(e.timestamp)} className="shrink-0 text-xs muted">
                {detailed || current !== undefined ? stamp(e.timestamp) : timeAgo(e.timestamp, now)}
              </time>
            </div>
            {e.details && <p className="truncate muted" title={e.details}>{e.details}</p>}
            <FindingChips findings={e.findings} resultEffect={e.resultEffect} argsRedacted={e.argsRedacted} />
            {detailed && (
              <p className="mt-0.5 flex gap-2 font-mono text-xs muted">
                <span className="min-w-0 flex-1 truncate" title={e.argsPreview ? revealHidden(e.argsPreview) : undefined}>
                  {e.argsPreview && revealHidden(e.argsPreview)}
                </span>
                <span className="shrink-0">
                  #{e.id}
                  {e.outcome && ` · ${e.outcome}`}
                  {e.durationMs != null && ` · ${Math.round(e.durationMs)} ms`}
                </span>
              </p>
            )}
            {steps.length > 1 && <TraceLine steps={steps} />}
          </div>
        </li>
      ))}
    </ul>
  );
}
