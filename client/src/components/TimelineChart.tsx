import type { RouterOutputs } from '../lib/trpc';

type Timeline = RouterOutputs['stats']['timeline'];
type Bucket = Timeline['buckets'][number];

const SERIES = [
  { key: 'allowed', label: 'Allowed', fill: 'fill-allow', swatch: 'bg-allow' },
  { key: 'review', label: 'Review', fill: 'fill-amber-500', swatch: 'bg-amber-500' },
  { key: 'blocked', label: 'Blocked', fill: 'fill-block-ink', swatch: 'bg-block-ink' },
  { key: 'killed', label: 'Killed', fill: 'fill-killed', swatch: 'bg-killed' },
] as const satisfies ReadonlyArray<{ key: keyof Omit<Bucket, 'start'>; label: string; fill: string; swatch: string }>;

const W = 600;
const H = 160;

function hourLabel(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** Decisions per time bucket, stacked by verdict. Hand-rolled SVG: no chart library needed. */
export function TimelineChart({ timeline }: { timeline: Timeline }) {
  const { buckets } = timeline;
  const totals = buckets.map((b) => b.allowed + b.review + b.blocked + b.killed);
  const max = Math.max(1, ...totals);
  const sum = totals.reduce((a, b) => a + b, 0);
  const slot = W / Math.max(1, buckets.length);
  const barW = Math.max(2, slot * 0.7);
  const summary = SERIES.map((s) => `${buckets.reduce((a, b) => a + b[s.key], 0)} ${s.label.toLowerCase()}`).join(', ');

  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-44 w-full" role="img" aria-label={`Decisions over time: ${summary}`} preserveAspectRatio="none">
        {[0.25, 0.5, 0.75, 1].map((f) => (
          <line key={f} x1={0} x2={W} y1={H - H * f} y2={H - H * f} className="stroke-neutral-200 dark:stroke-neutral-800" strokeWidth={1} vectorEffect="non-scaling-stroke" />
        ))}
        {buckets.map((b, i) => {
          let y = H;
          const x = i * slot + (slot - barW) / 2;
          return (
            <g key={b.start}>
              <title>{`${hourLabel(b.start)}: ${SERIES.map((s) => `${b[s.key]} ${s.label.toLowerCase()}`).join(', ')}`}</title>
              {SERIES.map((s) => {
                const h = (b[s.key] / max) * H;
                if (h <= 0) return null;
                y -= h;
                return <rect key={s.key} x={x} y={y} width={barW} height={h} className={s.fill} rx={1} />;
              })}
            </g>
          );
        })}
      </svg>
      {buckets.length > 0 && (
        <div className="mt-1 flex justify-between text-[11px] muted" aria-hidden>
          <span>{hourLabel(buckets[0]!.start)}</span>
          <span>{hourLabel(buckets[Math.floor(buckets.length / 2)]!.start)}</span>
          <span>{hourLabel(buckets[buckets.length - 1]!.start)}</span>
        </div>
      )}
      <figcaption className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-1 text-xs muted">
        {SERIES.map((s) => (
          <span key={s.key} className="inline-flex items-center gap-1.5">
            <span className={`size-2.5 rounded-sm ${s.swatch}`} aria-hidden />
            {s.label}
          </span>
        ))}
        <span className="ml-auto tabular-nums">{sum} decisions</span>
      </figcaption>
    </figure>
  );
}

/** The actions blocked most often: where an agent keeps pushing against its policy. */
export function TopBlocked({ items }: { items: Timeline['topBlocked'] }) {
  if (items.length === 0) return <p className="text-sm muted">Nothing blocked in this period.</p>;
  const max = Math.max(1, ...items.map((i) => i.count));
  return (
    <ol className="space-y-2" aria-label="Most-blocked actions">
      {items.map((item) => (
        <li key={item.action} className="text-sm">
          <div className="flex justify-between gap-2">
            <span className="truncate font-mono">{item.action}</span>
            <span className="font-semibold tabular-nums text-block-ink dark:text-red-400">{item.count}</span>
          </div>
          <div className="mt-1 h-1.5 rounded-full bg-block-soft dark:bg-red-950" aria-hidden>
            <div className="h-full rounded-full bg-block-ink" style={{ width: `${(item.count / max) * 100}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}
