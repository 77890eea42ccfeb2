import { TONE_THRESHOLD } from '../../lib/graphLayout';

const pct = `${Math.round(TONE_THRESHOLD * 100)}%`;

/** What the graph's colours and widths mean. */
export function GraphLegend() {
  return (
    <ul className="grid gap-1.5 text-xs" aria-label="Legend">
      <li className="flex items-center gap-2">
        <span className="legend-line tone-allow" aria-hidden /> Mostly allowed
      </li>
      <li className="flex items-center gap-2">
        <span className="legend-line tone-review" aria-hidden /> ≥ {pct} held for review
      </li>
      <li className="flex items-center gap-2">
        <span className="legend-line tone-block" aria-hidden /> ≥ {pct} blocked or killed
      </li>
      <li className="flex items-center gap-2">
        <span className="legend-line tone-data" aria-hidden /> Data a tool carried (DLP finding or
        tag)
      </li>
      <li className="muted">Thicker line = more calls in the range.</li>
    </ul>
  );
}
