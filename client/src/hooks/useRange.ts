import { useMemo } from 'react';
import { useSearchParams } from 'react-router';

/** The preset ranges every page offers; `range=` in the URL. */
export const RANGE_PRESETS = {
  '1h': { label: 'Last hour', ms: 3600_000 },
  '24h': { label: 'Last 24 hours', ms: 24 * 3600_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
} as const;
export type RangePreset = keyof typeof RANGE_PRESETS;

export interface TimeRange {
  /** The preset in the URL, or null for a custom `from`/`to`. */
  preset: RangePreset | null;
  /** ISO start and end; for a preset, `to` is when the page read the URL (stable per render key). */
  from: string;
  to: string;
  label: string;
  /** The URL parameters that reproduce this range (to carry it into links). */
  params: URLSearchParams;
}

export const DEFAULT_RANGE: RangePreset = '24h';

function isPreset(value: string | null): value is RangePreset {
  return value !== null && Object.hasOwn(RANGE_PRESETS, value);
}

function validIso(value: string | null): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/**
 * Reads the time range from URL parameters: `range=1h|24h|7d|30d`, or `from`/`to` as ISO times
 * (a custom range; `to` defaults to now). Anything unreadable falls back to `fallback`. Pure, so
 * pages and tests share it.
 */
export function readRange(
  search: URLSearchParams,
  now = Date.now(),
  fallback: RangePreset = DEFAULT_RANGE,
): TimeRange {
  const from = validIso(search.get('from'));
  const to = validIso(search.get('to'));
  if (from && (!to || Date.parse(from) < Date.parse(to))) {
    const end = to ?? new Date(now).toISOString();
    const params = new URLSearchParams({ from });
    if (to) params.set('to', to);
    return { preset: null, from, to: end, label: `${fmt(from)} – ${to ? fmt(to) : 'now'}`, params };
  }
  const raw = search.get('range');
  const preset = isPreset(raw) ? raw : fallback;
  return {
    preset,
    from: new Date(now - RANGE_PRESETS[preset].ms).toISOString(),
    to: new Date(now).toISOString(),
    label: RANGE_PRESETS[preset].label,
    params: new URLSearchParams({ range: preset }),
  };
}

function fmt(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/**
 * The page's time range from the URL (shared by Overview, Activity, Agents and Analytics), and a
 * setter that keeps the other parameters. A preset's window is recomputed when the URL changes;
 * queries keyed on `preset` rather than on `from`/`to` stay cached between renders.
 */
export function useRange(
  fallback: RangePreset = DEFAULT_RANGE,
): [TimeRange, (next: RangePreset | { from: string; to?: string }) => void] {
  const [search, setSearch] = useSearchParams();
  const key = search.toString();
  // keyed on the URL text: `search` changes identity on every navigation
  const range = useMemo(() => readRange(search, Date.now(), fallback), [key, fallback]);
  const setRange = (next: RangePreset | { from: string; to?: string }) => {
    setSearch((prev) => {
      const params = new URLSearchParams(prev);
      params.delete('range');
      params.delete('from');
      params.delete('to');
      if (typeof next === 'string') params.set('range', next);
      else {
        params.set('from', next.from);
        if (next.to) params.set('to', next.to);
      }
      return params;
    });
  };
  return [range, setRange];
}

/**
 * What a query sends for a range: a preset by name (the server takes "now" itself, and the query
 * key stays the same between renders), a custom window as its two times.
 */
export function rangeInput(
  range: TimeRange,
): { range: RangePreset } | { from: string; to: string } {
  return range.preset ? { range: range.preset } : { from: range.from, to: range.to };
}

/** The range parameters of a URL's search, to carry onto a link (`?range=7d`, or ''). */
export function rangeSearch(search: string): string {
  const from = new URLSearchParams(search);
  const next = new URLSearchParams();
  for (const key of ['range', 'from', 'to']) {
    const v = from.get(key);
    if (v) next.set(key, v);
  }
  const s = next.toString();
  return s ? `?${s}` : '';
}
