/**
 * Hour and weekday in an IANA time zone, fast enough for every tool call. `Intl` is slow
 * (~100 µs per formatted date), but a zone's UTC offset only changes at transitions, which fall on
 * quarter hours: the offset is computed once per zone and quarter hour and reused.
 */

const QUARTER_HOUR = 15 * 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, { bucket: number; offsetMs: number }>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `Intl` knows the zone (checked when a policy is compiled). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function offsetMs(ms: number, timeZone: string): number {
  const bucket = Math.floor(ms / QUARTER_HOUR);
  const cached = offsets.get(timeZone);
  if (cached?.bucket === bucket) return cached.offsetMs;
  const at = bucket * QUARTER_HOUR;
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute);
  const offset = wall - at;
  if (offsets.size > 500) offsets.clear();
  offsets.set(timeZone, { bucket, offsetMs: offset });
  return offset;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Hour of the day, 0–23, at `ms` in `timeZone`. */
export function zonedHour(ms: number, timeZone: string): number {
  const local = ms + offsetMs(ms, timeZone);
  return Math.floor((((local % DAY) + DAY) % DAY) / HOUR);
}

/** Day of the week at `ms` in `timeZone`, 0 = Sunday … 6 = Saturday. */
export function zonedWeekday(ms: number, timeZone: string): number {
  const local = ms + offsetMs(ms, timeZone);
  // 1970-01-01 was a Thursday (4).
  return (((Math.floor(local / DAY) + 4) % 7) + 7) % 7;
}
