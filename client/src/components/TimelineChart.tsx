import { Link } from 'react-router';
import { activityLink } from '../lib/activityLink';
import type { RouterOutputs } from '../lib/trpc';
import { DecisionsChart } from './charts/DecisionsChart';
import { SoftWrap } from './SoftWrap';

type Timeline = RouterOutputs['stats']['timeline'];

/** Decisions per time bucket, stacked by verdict, with axis numbers; a bar opens its calls in Activity. */
export function TimelineChart({ timeline }: { timeline: Timeline }) {
  return <DecisionsChart buckets={timeline.buckets} bucketMs={timeline.bucketMs ?? 3600_000} height={190} />;
}

/** The actions blocked most often (since `from`): where an agent keeps pushing against its policy; each opens its calls. */
export function TopBlocked({ items, from }: { items: Timeline['topBlocked']; from?: string }) {
  if (items.length === 0) return <p className="text-sm muted">Nothing blocked in this period.</p>;
  const max = Math.max(1, ...items.map((i) => i.count));
  return (
    <ol className="space-y-2" aria-label="Most-blocked actions">
      {items.map((item) => (
        <li key={item.action} className="text-sm">
          <Link
            to={activityLink({ from, action: item.action, status: ['BLOCKED'] })}
            className="flex justify-between gap-2 underline-offset-2 hover:underline"
            title={`The blocked ${item.action} calls in Activity`}
          >
            <span className="min-w-0 font-mono break-words">
              <SoftWrap text={item.action} />
            </span>
            <span className="font-semibold tabular-nums text-block-ink dark:text-red-400">{item.count}</span>
          </Link>
          <div className="mt-1 h-1.5 rounded-full bg-block-soft dark:bg-red-950" aria-hidden>
            <div className="h-full rounded-full bg-block-ink" style={{ width: `${(item.count / max) * 100}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}
