import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useNavigate } from 'react-router';
import { activityLink, type ActivityFilter } from '../../lib/activityLink';
import { stamp } from '../../lib/format';

export interface DecisionBucket {
  start: string;
  allowed: number;
  review: number;
  blocked: number;
  killed: number;
  other?: number;
}

/** Verdict series, their colours (theme variables, so dark mode follows) and Activity statuses. */
export const VERDICT_SERIES = [
  { key: 'allowed', label: 'Allowed', color: 'var(--color-allow)', status: 'ALLOWED' },
  { key: 'review', label: 'Review', color: '#f59e0b', status: 'PENDING' },
  { key: 'blocked', label: 'Blocked', color: 'var(--color-block-ink)', status: 'BLOCKED' },
  { key: 'killed', label: 'Killed', color: 'var(--color-killed)', status: 'KILLED' },
] as const;

/**
 * Legend and tooltip list the verdicts in the order the bars stack them (recharts sorts both by
 * name by default, which read Allowed, Blocked, Killed, Review under bars stacked otherwise).
 */
const seriesOrder = (item: { dataKey?: unknown }): number =>
  VERDICT_SERIES.findIndex((s) => s.key === item.dataKey);

/** A tick label that fits the bucket width: times within a day, dates beyond. */
export function tickLabel(iso: string, bucketMs: number): string {
  const d = new Date(iso);
  if (bucketMs >= 24 * 3600_000)
    return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/**
 * Decisions per time bucket stacked by verdict, with labelled axes. A click on a bar segment opens
 * Activity filtered to that bucket's time and verdict (and the agent/action given).
 */
export function DecisionsChart({
  buckets,
  bucketMs,
  filter = {},
  height = 220,
}: {
  buckets: DecisionBucket[];
  bucketMs: number;
  filter?: ActivityFilter;
  height?: number;
}) {
  const navigate = useNavigate();
  const total = buckets.reduce((n, b) => n + b.allowed + b.review + b.blocked + b.killed, 0);
  const summary = VERDICT_SERIES.map(
    (s) => `${buckets.reduce((n, b) => n + b[s.key], 0)} ${s.label.toLowerCase()}`,
  ).join(', ');
  const open = (start: string, status: string) => {
    const from = new Date(start);
    void navigate(
      activityLink({
        ...filter,
        from: from.toISOString(),
        to: new Date(from.getTime() + bucketMs).toISOString(),
        status: [status],
      }),
    );
  };
  return (
    <figure role="img" aria-label={`Decisions over time: ${summary}`} data-testid="decisions-chart">
      <div style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={buckets} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.12} />
            <XAxis
              dataKey="start"
              tickFormatter={(v: string) => tickLabel(v, bucketMs)}
              tick={{ fontSize: 11, fill: 'currentColor' }}
              minTickGap={24}
              stroke="currentColor"
              strokeOpacity={0.3}
            />
            <YAxis
              allowDecimals={false}
              tick={{ fontSize: 11, fill: 'currentColor' }}
              stroke="currentColor"
              strokeOpacity={0.3}
              // as wide as the longest tick: a fixed width cut 4-digit counts to "200" for 3200
              width="auto"
            />
            <Tooltip
              labelFormatter={(v) => (typeof v === 'string' ? stamp(v) : '')}
              contentStyle={{
                background: 'var(--tooltip-bg, #fff)',
                borderRadius: 8,
                fontSize: 12,
              }}
              cursor={{ fillOpacity: 0.08 }}
              itemSorter={seriesOrder}
            />
            <Legend
              itemSorter={seriesOrder}
              wrapperStyle={{ fontSize: 12 }}
              formatter={(value: string) => (
                <span className="text-neutral-700 dark:text-neutral-300">{value}</span>
              )}
            />
            {VERDICT_SERIES.map((s) => (
              <Bar
                key={s.key}
                dataKey={s.key}
                name={s.label}
                stackId="v"
                fill={s.color}
                cursor="pointer"
                isAnimationActive={false}
                onClick={(data) => {
                  const start = (data as { payload?: DecisionBucket }).payload?.start;
                  if (start) open(start, s.status);
                }}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="mt-1 text-right text-xs muted tabular-nums">
        {total} decisions · click a bar to see its calls
      </figcaption>
    </figure>
  );
}
