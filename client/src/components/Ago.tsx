import { stamp, timeAgo } from '../lib/format';

/**
 * A past moment as "5m ago", with the exact time and its zone on hover (the `title`) and for
 * machines (`dateTime`): the pages that show full zoned times and the ones that count back read
 * as the same instant.
 */
export function Ago({ iso, now }: { iso: string; now?: number }) {
  return (
    <time dateTime={iso} title={stamp(iso)}>
      {timeAgo(iso, now)}
    </time>
  );
}
