import { Link } from 'react-router';
import { activityLink } from '../lib/activityLink';

interface Count {
  detector: string;
  count: number;
  calls: number;
}

/**
 * DLP findings per detector over the window: calls they were found in, linking to Activity
 * filtered by it over the same window (`from`, the chart's first bucket), so the list it opens
 * is the calls the count counted, not every call of all time.
 */
export function FindingCounts({ items, from }: { items: Count[]; from?: string }) {
  if (items.length === 0) return <p className="text-sm muted">No sensitive data found in this period.</p>;
  return (
    <ul className="flex flex-wrap gap-2" aria-labelledby="findings-title" data-testid="finding-counts">
      {items.map((item) => (
        <li key={item.detector}>
          <Link
            to={activityLink({ from, detector: item.detector })}
            title={`${item.count} match${item.count === 1 ? '' : 'es'} in ${item.calls} call${item.calls === 1 ? '' : 's'}`}
            className="inline-flex items-center gap-1.5 rounded-full bg-review-soft px-2.5 py-1 text-xs font-semibold text-review underline-offset-2 hover:underline dark:bg-amber-950 dark:text-amber-300"
            data-detector={item.detector}
          >
            {item.detector}
            <span className="tabular-nums">{item.calls}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
