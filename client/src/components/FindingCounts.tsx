import { Link } from 'react-router';

interface Count {
  detector: string;
  count: number;
  calls: number;
}

/** DLP findings per detector over the window: calls they were found in, linking to Activity filtered by it. */
export function FindingCounts({ items }: { items: Count[] }) {
  if (items.length === 0) return <p className="text-sm muted">No sensitive data found in this period.</p>;
  return (
    <ul className="flex flex-wrap gap-2" aria-labelledby="findings-title" data-testid="finding-counts">
      {items.map((item) => (
        <li key={item.detector}>
          <Link
            to={`/activity?detector=${encodeURIComponent(item.detector)}`}
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
