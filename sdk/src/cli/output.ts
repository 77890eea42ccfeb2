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
    out: (line) => void process.stdout.write(line + '\n'),
    err: (line) => void process.stderr.write(line + '\n'),
  };
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

export function paint(o: Output, colour: Colour, text: string): string {
  return o.color ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
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

/** An aligned table: a header row, then one row per item; cells may be coloured. */
export function table(o: Output, headers: string[], rows: string[][]): void {
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

/** Shortens free text for a table cell. */
export function clip(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** ISO time as `YYYY-MM-DD HH:MM:SS` (UTC), compact for tables. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-';
}
