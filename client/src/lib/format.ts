import { revealHidden } from '@aegis/shared/visibleText';

/** "just now", "42s ago", "5m ago", "3h ago", "2d ago". */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

/** Age as a ticking clock: "0:42", "12:05", "1:02:09". */
export function age(iso: string, now: number = Date.now()): string {
  const total = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

const DATE_TIME: Intl.DateTimeFormatOptions = {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
};

/**
 * A date and time with its zone: the same instant read in the audit log says UTC (or the
 * browser's zone), and a bare time beside it would leave a reader guessing which one it is.
 */
export function dateTime(iso: string): string {
  return stamp(iso);
}

export function compact(n: number): string {
  return new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(
    n,
  );
}

/**
 * Pretty-prints a JSON preview string when it parses, else shows it as is. Hidden and
 * direction-changing characters show as `\uXXXX` (JSON's escape): a reviewer must read the call
 * as it runs, not as a U+202E reorders it.
 */
export function prettyJson(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return revealHidden(JSON.stringify(JSON.parse(value), null, 2));
    } catch {
      return revealHidden(value);
    }
  }
  return revealHidden(JSON.stringify(value, null, 2) ?? '');
}

/** Date and time with seconds and the time zone, for reading evidence: "Dec 3, 2026, 22:58:37 UTC". */
export function fullTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
}

/** A date alone: "Dec 3, 2026". */
export function day(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  });
}

/** A short date and time with the zone, for table columns: "Dec 3, 22:58:37 UTC". */
export function stamp(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { ...DATE_TIME, timeZoneName: 'short' });
}
