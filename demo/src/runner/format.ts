import type { AgentCounts, Tally, Verdict } from './tally.js';

/** Colour only on a terminal that wants it, so logs and CI output stay plain text. */
export function palette(enabled: boolean) {
  const wrap = (code: number) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    green: wrap(32),
    red: wrap(31),
    yellow: wrap(33),
    magenta: wrap(35),
    dim: wrap(2),
    bold: wrap(1),
    cyan: wrap(36),
  };
}
export type Palette = ReturnType<typeof palette>;

export const VERDICT_MARK: Record<Verdict, string> = {
  ALLOWED: '✓',
  BLOCKED: '✗',
  REVIEW: '?',
  KILLED: '☠',
};

export function colourVerdict(
  c: Palette,
  verdict: Verdict | 'APPROVED' | 'DENIED' | 'TIMEOUT',
): string {
  switch (verdict) {
    case 'ALLOWED':
    case 'APPROVED':
      return c.green(verdict);
    case 'BLOCKED':
    case 'DENIED':
    case 'TIMEOUT':
      return c.red(verdict);
    case 'REVIEW':
      return c.yellow(verdict);
    case 'KILLED':
      return c.magenta(verdict);
  }
}

/**
 * The closing summary: one row per agent and a total, aligned for a terminal.
 *
 * @example
 * ```
 * Agent               Allowed  Blocked  Review  Killed  Total
 * Customer Support          3        0       1       0      4
 * ```
 */
export function formatSummary(
  tally: Tally,
  agents: { name: string; displayName: string }[],
  c: Palette,
): string {
  const rows: [string, AgentCounts][] = agents.map((a) => [a.displayName, tally.countsFor(a.name)]);
  rows.push(['Total', tally.total()]);
  const width = Math.max(5, ...rows.map(([label]) => label.length)) + 2;
  const cols = ['Allowed', 'Blocked', 'Review', 'Killed', 'Total'] as const;
  const header = 'Agent'.padEnd(width) + cols.map((h) => h.padStart(9)).join('');
  const lines = rows.map(([label, n], i) => {
    const cells = [n.allowed, n.blocked, n.review, n.killed, n.total].map((v) =>
      String(v).padStart(9),
    );
    const line = label.padEnd(width) + cells.join('');
    return i === rows.length - 1 ? c.bold(line) : line;
  });
  const total = tally.total();
  const reviewNote =
    total.review > 0
      ? `Review outcomes: ${total.approved} approved, ${total.denied} denied or timed out, ${total.review - total.approved - total.denied} undecided.`
      : 'No call needed review.';
  // The dashboard counts the server's decisions, not the agents' calls: a reviewed call is
  // decided again when it goes ahead (ALLOWED) or when a paused run resumes after a refusal
  // (BLOCKED), so its Allowed/Blocked numbers can be higher than this table's.
  const countingNote =
    total.review > 0
      ? c.dim(
          'Counted per call as the agent saw it. The dashboard counts decisions: a reviewed call that goes ahead, or a paused run resumed after a refusal, is decided once more (ALLOWED / BLOCKED).',
        )
      : '';
  return [
    c.bold(header),
    c.dim('─'.repeat(header.length)),
    ...lines.slice(0, -1),
    c.dim('─'.repeat(header.length)),
    lines.at(-1) ?? '',
    '',
    reviewNote,
    ...(countingNote ? [countingNote] : []),
  ].join('\n');
}
