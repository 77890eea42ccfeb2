/**
 * Duplicate keys in a JSON text. `JSON.parse` keeps the last of `{"to":"ok","to":"evil"}`, so
 * policy decides on "evil", while some upstreams' parsers keep the first: the value decided on and
 * the value acted on would differ. The proxy refuses such a body instead (`DUPLICATE_KEY`).
 *
 * One pass over the text with an explicit stack (no recursion, however deep the nesting): each
 * character is looked at a bounded number of times and each key is hashed once, so the work is
 * linear in the body's length, which the proxy already bounds.
 */

/** An open object (the keys it has so far, the last one) or array (the index of its element). */
type Frame = { keys: Set<string>; key: string } | { index: number };

/** Paths longer than this are shown by their end: a hostile nesting can be a megabyte deep. */
const MAX_PATH_CHARS = 200;

/**
 * The path of the first key that appears twice in one object of `text` (`to`, `payment.to`,
 * `items[2].to`), or null when every object's keys are distinct. Keys are compared as JSON reads
 * them (`"t\u006f"` is `to`). `text` must be valid JSON (check it with `JSON.parse` first).
 */
export function firstDuplicateKey(text: string): string | null {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJECT) stack.push({ keys: new Set(), key: '' });
    else if (c === OPEN_ARRAY) stack.push({ index: 0 });
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) stack.pop();
    else if (c === COMMA) {
      const top = stack.at(-1);
      if (top && 'index' in top) top.index++;
    } else if (c === QUOTE) {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (top && 'keys' in top && nextSignificant(text, end + 1) === COLON) {
        const key = keyOf(text.slice(i, end + 1));
        if (top.keys.has(key)) return pathOf(stack, key);
        top.keys.add(key);
        top.key = key;
      }
      i = end;
    }
  }
  return null;
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i;
    else i++;
  }
  return text.length;
}

/** The first character at or after `from` that is not JSON whitespace (-1 at the end). */
function nextSignificant(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return -1;
}

/** A key token as JSON reads it; only one with escapes needs decoding. */
function keyOf(token: string): string {
  return token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
}

/** `a.b[2].to`; a key that is not a plain name is quoted (`["a b"]`); a long path keeps its end. */
function pathOf(stack: readonly Frame[], key: string): string {
  // The duplicate, then where each enclosing container sits in its parent, innermost first.
  const parts = [segment(key)];
  let length = parts[0]!.length;
  let k = stack.length - 2;
  for (; k >= 0 && length <= MAX_PATH_CHARS; k--) {
    const frame = stack[k]!;
    const part = 'index' in frame ? `[${frame.index}]` : segment(frame.key);
    parts.push(part);
    length += part.length;
  }
  const path = parts.reverse().join('').replace(/^\./, '');
  return k >= 0 || length > MAX_PATH_CHARS ? `…${path.slice(-MAX_PATH_CHARS)}` : path;
}

function segment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
