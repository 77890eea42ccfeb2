import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { CalendarRange } from 'lucide-react';
import { RANGE_PRESETS, useRange, type RangePreset } from '../hooks/useRange';

/** `datetime-local` wants local wall time without a zone; the URL keeps ISO (UTC). */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** Whether the URL names a time range at all (`range` or `from`). */
export function hasRangeParam(params: URLSearchParams): boolean {
  return params.has('range') || params.has('from');
}

/**
 * The time range of a page, kept in the URL (`range=1h|24h|7d|30d`, or `from`/`to`): a preset
 * menu and, for "Custom", two local date-times. `allowAll` adds "All time" (no parameter) for
 * pages whose default is the whole log (Activity); `fallback` is the page's range when the URL
 * names none.
 */
export function RangePicker({
  allowAll = false,
  fallback,
}: {
  allowAll?: boolean;
  fallback?: RangePreset;
}) {
  const [range, setRange] = useRange(fallback);
  const [params, setParams] = useSearchParams();
  const all = allowAll && !hasRangeParam(params);
  const [custom, setCustom] = useState(range.preset === null && !all);
  const value = all ? 'all' : custom || range.preset === null ? 'custom' : range.preset;

  const choose = (next: string) => {
    if (next === 'custom') {
      setCustom(true);
      setRange({ from: range.from, to: range.to });
      return;
    }
    setCustom(false);
    if (next === 'all')
      setParams((p) => {
        const n = new URLSearchParams(p);
        ['range', 'from', 'to'].forEach((k) => n.delete(k));
        return n;
      });
    else setRange(next as RangePreset);
  };

  return (
    <div className="flex min-w-0 flex-wrap items-center gap-2" data-testid="range-picker">
      <label className="relative flex-1 sm:flex-none">
        <span className="sr-only">Time range</span>
        <CalendarRange
          className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 muted"
          aria-hidden
        />
        <select
          className="input w-full pl-8"
          aria-label="Time range"
          value={value}
          onChange={(e) => choose(e.target.value)}
        >
          {allowAll && <option value="all">All time</option>}
          {(Object.keys(RANGE_PRESETS) as RangePreset[]).map((k) => (
            <option key={k} value={k}>
              {RANGE_PRESETS[k].label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {value === 'custom' && (
        <>
          <input
            type="datetime-local"
            className="input min-w-0 flex-1 sm:flex-none"
            aria-label="From"
            value={toLocalInput(range.from)}
            onChange={(e) =>
              e.target.value &&
              setRange({ from: new Date(e.target.value).toISOString(), to: range.to })
            }
          />
          <input
            type="datetime-local"
            className="input min-w-0 flex-1 sm:flex-none"
            aria-label="To"
            value={toLocalInput(range.to)}
            onChange={(e) =>
              e.target.value &&
              setRange({ from: range.from, to: new Date(e.target.value).toISOString() })
            }
          />
        </>
      )}
    </div>
  );
}
