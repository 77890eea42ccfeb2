import { Link } from 'react-router';
import type { AuditEntry } from '../lib/liveFeed';
import { stamp } from '../lib/format';
import { stepNote } from '../lib/trace';
import { StatusBadge } from './StatusBadge';

/**
 * The steps of one call on its row of the log: PENDING → APPROVED → ALLOWED with what each meant
 * ("approved by alice after 0:32", "ran 5 ms"); the details open a list linking every step.
 */
export function TraceLine({ steps }: { steps: AuditEntry[] }) {
  const summary = steps.map((s, i) => stepNote(s, steps[i - 1])).join(' → ');
  return (
    <details className="mt-1 text-xs" data-testid="trace">
      <summary className="cursor-pointer list-none muted [&::-webkit-details-marker]:hidden">
        <span className="font-semibold" aria-label={`Trace: ${steps.map((s) => s.status).join(' then ')}`}>
          {steps.map((s) => s.status).join(' → ')}
        </span>
        <span className="ml-2">{summary}</span>
      </summary>
      <ol className="mt-1.5 space-y-1 border-l-2 border-neutral-200 pl-3 dark:border-neutral-700">
        {steps.map((s, i) => (
          <li key={s.id} className="flex flex-wrap items-center gap-x-2">
            <StatusBadge status={s.status} />
            <span className="min-w-0 flex-1">{stepNote(s, steps[i - 1])}</span>
            <time dateTime={s.timestamp} className="muted">{stamp(s.timestamp)}</time>
            <Link to={`/activity/${s.id}`} className="font-semibold underline-offset-2 hover:underline">
              #{s.id}
            </Link>
          </li>
        ))}
      </ol>
    </details>
  );
}
