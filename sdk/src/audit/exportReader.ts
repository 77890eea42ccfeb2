/**
 * Reads a compliance export (JSON) as a stream: each top-level member of the report once it is
 * complete, and the members of its `auditTrail` array one at a time, so a file of many gigabytes
 * is read in constant memory. Any layout of the JSON is read (the server's, or one reformatted by
 * a tool), not only the server's one-entry-per-line.
 */

/** What the reader found: a member of the report head, or one entry of the trail. */
export type ExportEvent =
  | { kind: 'member'; key: string; value: unknown }
  | { kind: 'entry'; index: number; line: number; value: unknown };

export interface ReaderLimits {
  /** Longest trail entry, in characters. */
  maxEntryChars: number;
  /** Longest other member (the manifests of a thousand agents run to tens of megabytes). */
  maxMemberChars: number;
}

/** Why a file cannot be read as an export; `line` is 1-based. */
export class ExportSyntaxError extends Error {
  override name = 'ExportSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

type State =
  | 'start'
  | 'key'
  | 'keyOrEnd'
  | 'colon'
  | 'value'
  | 'afterMember'
  | 'trailOpen'
  | 'itemOrEnd'
  | 'afterItem'
  | 'done';

const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);
/** Characters that end a number, true, false or null. */
const SCALAR_END = new Set([0x2c, 0x5d, 0x7d, 0x20, 0x0a, 0x0d, 0x09]);

/** One JSON value being collected, across chunks, with just enough state to find its end. */
class Capture {
  private parts: string[] = [];
  length = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private readonly scalar: boolean;

  constructor(
    first: number,
    readonly line: number,
    private readonly max: number,
    private readonly what: string,
  ) {
    this.scalar = first !== 0x7b && first !== 0x5b && first !== 0x22;
  }

  /** Consumes `text` from `at`; returns where the value ended (exclusive), or -1 if it goes on. */
  feed(text: string, at: number): number {
    let i = at;
    let end = -1;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.scalar) {
        if (SCALAR_END.has(c)) {
          end = i;
          break;
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.depth === 0) {
            end = i + 1;
            break;
          }
        }
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) {
          end = i + 1;
          break;
        }
      }
    }
    const stop = end < 0 ? text.length : end;
    this.length += stop - at;
    if (this.length > this.max)
      throw new ExportSyntaxError(
        `${this.what} is longer than ${this.max.toLocaleString('en')} characters: not an Aegis export, or a damaged one`,
        this.line,
      );
    this.parts.push(text.slice(at, stop));
    return end;
  }

  /** The value, parsed (the collected text is exactly one JSON value, or malformed). */
  value(): unknown {
    const text = this.parts.join('');
    this.parts = [];
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ExportSyntaxError(
        `${this.what} is not valid JSON (${(error as Error).message})`,
        this.line,
      );
    }
  }
}

/** Streams the events of an export read from `chunks` (text, in order). */
export async function* readExport(
  chunks: AsyncIterable<string>,
  limits: ReaderLimits,
): AsyncGenerator<ExportEvent> {
  let state: State = 'start';
  let line = 1;
  let key: string | null = null;
  let capture: Capture | null = null;
  let capturing: 'key' | 'member' | 'entry' = 'member';
  let entries = 0;
  let sawTrail = false;
  const events: ExportEvent[] = [];

  const unexpected = (c: number, wanted: string) =>
    new ExportSyntaxError(
      `expected ${wanted}, found ${JSON.stringify(String.fromCharCode(c))}`,
      line,
    );

  for await (const text of chunks) {
    let i = 0;
    while (i < text.length) {
      if (capture) {
        const start = i;
        const end = capture.feed(text, i);
        line += countNewlines(text, start, end < 0 ? text.length : end);
        if (end < 0) break;
        i = end;
        const value = capture.value();
        const at = capture.line;
        capture = null;
        if (capturing === 'key') {
          key = value as string;
          state = 'colon';
        } else if (capturing === 'entry') {
          events.push({ kind: 'entry', index: entries++, line: at, value });
          state = 'afterItem';
        } else {
          events.push({ kind: 'member', key: key ?? '', value });
          state = 'afterMember';
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (WS.has(c)) {
        if (c === 0x0a) line++;
        i++;
        continue;
      }
      switch (state) {
        case 'start':
          if (c !== 0x7b) throw unexpected(c, 'a JSON object (an Aegis report starts with "{")');
          state = 'keyOrEnd';
          i++;
          break;
        case 'keyOrEnd':
        case 'key':
          if (c === 0x7d && state === 'keyOrEnd') {
            state = 'done';
            i++;
          } else if (c === 0x22) {
            capture = new Capture(c, line, 10_000, 'a member name');
            capturing = 'key';
          } else throw unexpected(c, 'a member name');
          break;
        case 'colon':
          if (c !== 0x3a) throw unexpected(c, '":"');
          i++;
          if (key === 'auditTrail') {
            if (sawTrail) throw new ExportSyntaxError('"auditTrail" appears twice', line);
            sawTrail = true;
            state = 'trailOpen';
          } else state = 'value';
          break;
        case 'value':
          capture = new Capture(c, line, limits.maxMemberChars, `the value of "${key ?? ''}"`);
          capturing = 'member';
          break;
        case 'afterMember':
          if (c === 0x2c) state = 'key';
          else if (c === 0x7d) state = 'done';
          else throw unexpected(c, '"," or "}"');
          i++;
          break;
        case 'trailOpen':
          if (c !== 0x5b) throw unexpected(c, 'the "[" of the audit trail');
          state = 'itemOrEnd';
          i++;
          break;
        case 'itemOrEnd':
          if (c === 0x5d) {
            state = 'afterMember';
            i++;
          } else {
            capture = new Capture(
              c,
              line,
              limits.maxEntryChars,
              `audit trail entry ${entries + 1}`,
            );
            capturing = 'entry';
          }
          break;
        case 'afterItem':
          if (c === 0x2c) state = 'itemOrEnd';
          else if (c === 0x5d) state = 'afterMember';
          else throw unexpected(c, '"," or "]" after a trail entry');
          i++;
          break;
        case 'done':
          throw unexpected(c, 'nothing after the report\'s closing "}"');
      }
    }
    yield* events.splice(0);
  }
  if (state !== 'done') {
    const where =
      state === 'itemOrEnd' || state === 'afterItem'
        ? `inside the audit trail, after ${entries} entries`
        : state === 'start'
          ? 'before anything was read (an empty file)'
          : 'before the report is complete';
    throw new ExportSyntaxError(
      `the file ends ${where}: it was cut short (an interrupted download?)`,
      line,
    );
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
