import { terminalSafe } from '@aegis/shared';

/** Where a command writes, and how: colour only on a terminal, never with --json or NO_COLOR. */
export interface Output {
  json: boolean;
  color: boolean;
  out(line: string): void;
  err(line: string): void;
}

export function createOutput(json: boolean, noColor: boolean): Output {
  const color = !json && !noColor && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return {
    json,
    color,
    out: (line) => void process.stdout.write(safeLines(line, color) + '\n'),
    err: (line) => void process.stderr.write(safeLines(line, color) + '\n'),
  };
}

// Our own colours (see `codes`), the only escape sequences a line may carry.
// eslint-disable-next-line no-control-regex
const ownSgrOrUnsafe = /(\u001b\[(?:0|1|3[1-6]|90)m)|[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * The last guard before the terminal, whatever a command interpolated: server and agent text
 * (report details, owners, error messages) must not move the cursor, erase lines, hide text, open
 * OSC 8 links or retitle the window. Every control, bidi and invisible character becomes a visible
 * `\uXXXX` (in --json output that is JSON's own escape); newlines and tabs of the layout stay, and
 * on a colour terminal our colour codes. Data cells are escaped before painting as well (`clip`,
 * `paint`, `table`), so even a colour code from data shows as text there.
 */
export function safeLines(text: string, color: boolean): string {
  return text.replace(ownSgrOrUnsafe, (c, own: string | undefined) =>
    (own !== undefined && color) || c === '\n' || c === '\t' ? c : terminalSafe(c),
  );
}

const codes = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
  bold: 1,
} as const;
export type Colour = keyof typeof codes;

/** Colours text; what it colours is data, so its own control characters are escaped first. */
export function paint(o: Output, colour: Colour, text: string): string {
  const safe = terminalSafe(text);
  return o.color ? `\u001b[${codes[colour]}m${safe}\u001b[0m` : safe;
}

/** The colour of a verdict, audit status or agent status, as the dashboard shows them. */
export function statusColour(status: string): Colour {
  switch (status) {
    case 'ALLOWED':
    case 'APPROVED':
    case 'ACTIVE':
      return 'green';
    case 'BLOCKED':
    case 'DENIED':
    case 'TIMEOUT':
    case 'KILLED':
    case 'PAUSED':
      return 'red';
    case 'PENDING':
    case 'REVIEW':
      return 'yellow';
    default:
      return 'gray';
  }
}

// ANSI escapes take no room on screen: measure without them.
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g;
const visibleLength = (s: string) => s.replace(ansi, '').length;

/**
 * An aligned table: a header row, then one row per item; cells may be coloured (by `paint`).
 * A line break or tab in a cell would break the row: they fold to a space.
 */
export function table(o: Output, headers: string[], cells: string[][]): void {
  const rows = cells.map((r) => r.map((cell) => cell.replace(/[\n\r\t\v\f]+/g, ' ')));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join('  ')
      .trimEnd();
  o.out(paint(o, 'bold', line(headers)));
  for (const row of rows) o.out(line(row));
}

/**
 * Free text (the agent's or the server's) for one line: whitespace folded to a space, every other
 * control or hidden character as a visible escape, shortened to `max`.
 */
export function clip(text: string, max = 60): string {
  const flat = terminalSafe(text, ['\n', '\r', '\t', '\v', '\f']).replace(/\s+/g, ' ');
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** ISO time as `YYYY-MM-DD HH:MM:SS` (UTC), compact for tables. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-';
}
