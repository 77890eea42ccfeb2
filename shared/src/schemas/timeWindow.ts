import { z } from 'zod';
import { isoTime } from './common';

/** The dashboard's preset ranges (URL `range=`), shared by every page that shows time. */
export const rangePreset = z.enum(['1h', '24h', '7d', '30d']);
export type RangePreset = z.infer<typeof rangePreset>;

export const PRESET_MS: Record<RangePreset, number> = {
  '1h': 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
};

/** A window spans at most this long: daily buckets keep even a year small, and more is a typo. */
export const MAX_WINDOW_MS = 400 * 86_400_000;
/** How far past now a custom window may start or end (clocks of client and server differ). */
const CLOCK_SLACK_MS = 5 * 60_000;

/** The fields of a time window: a preset ending now, or `from`–`to` (to defaults to now). */
export const timeWindowFields = {
  range: rangePreset.optional().describe('A preset ending now; ignored when `from` is given'),
  from: isoTime.optional().describe('Start of a custom window'),
  to: isoTime.optional().describe('End of a custom window; now when absent'),
};

/**
 * The checks every time window passes, as one zod refinement so each procedure answers a bad
 * window with the same readable 400: `to` without `from`, a backwards window, one starting in the
 * future, or one spanning more than 400 days.
 */
export function checkWindow(
  w: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
  now = Date.now(),
): void {
  if (w.to && !w.from) {
    ctx.addIssue({ code: 'custom', message: '"to" needs "from"', path: ['to'] });
    return;
  }
  if (!w.from) return;
  const from = Date.parse(w.from);
  const to = w.to ? Date.parse(w.to) : now;
  if (from > now + CLOCK_SLACK_MS)
    ctx.addIssue({ code: 'custom', message: '"from" is in the future', path: ['from'] });
  else if (from >= to)
    ctx.addIssue({ code: 'custom', message: '"from" must be before "to"', path: ['from'] });
  else if (to - from > MAX_WINDOW_MS)
    ctx.addIssue({ code: 'custom', message: 'a window spans at most 400 days', path: ['from'] });
}

/** A time window on its own (a preset, or `from`–`to`), checked. */
export const timeWindow = z.object(timeWindowFields).superRefine((w, ctx) => checkWindow(w, ctx));
export type TimeWindow = z.infer<typeof timeWindow>;

/** The window a checked input names, in epoch milliseconds (default: the last 24 hours). */
export function windowBounds(
  input: { range?: RangePreset | undefined; from?: string | undefined; to?: string | undefined },
  now = Date.now(),
): { from: number; to: number } {
  if (input.from)
    return { from: Date.parse(input.from), to: input.to ? Date.parse(input.to) : now };
  return { from: now - PRESET_MS[input.range ?? '24h'], to: now };
}
