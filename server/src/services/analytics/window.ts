import { PRESET_MS, type AnalyticsRange, type RollupGranularity } from '@aegis/shared';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface Window {
  from: Date;
  to: Date;
  grain: 'm' | 'h' | 'd';
  granularity: RollupGranularity;
  bucketMs: number;
  /** Bucket starts, oldest first. */
  starts: number[];
  agent?: string;
  action?: string;
}

/**
 * The buckets of a range: minutes up to 3 hours, hours up to 8 days, days beyond, so a chart has
 * at most a few hundred points and a query reads at most that many documents per series. The
 * start is floored to its bucket (UTC), so a bucket is never counted in part.
 */
export function windowFor(range: AnalyticsRange, now = Date.now()): Window {
  const to = range.from ? (range.to ? Date.parse(range.to) : now) : now;
  const fromRaw = range.from ? Date.parse(range.from) : to - PRESET_MS[range.range ?? '24h'];
  const span = to - fromRaw;
  const [grain, granularity, bucketMs] =
    span <= 3 * HOUR
      ? (['m', 'minute', MINUTE] as const)
      : span <= 8 * DAY
        ? (['h', 'hour', HOUR] as const)
        : (['d', 'day', DAY] as const);
  const from = fromRaw - (fromRaw % bucketMs);
  const starts: number[] = [];
  for (let t = from; t < to; t += bucketMs) starts.push(t);
  return {
    from: new Date(from),
    to: new Date(to),
    grain,
    granularity,
    bucketMs,
    starts,
    ...(range.agent ? { agent: range.agent } : {}),
    ...(range.action ? { action: range.action } : {}),
  };
}

export function windowFields(w: Window) {
  return {
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    granularity: w.granularity,
    bucketMs: w.bucketMs,
  };
}
