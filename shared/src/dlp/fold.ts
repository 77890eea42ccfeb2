/**
 * Text as the detectors read it. Otherwise a card number, SSN or key written with Unicode look-alikes
 * would pass unseen (and its audit preview would keep it readable):
 * - decimal digits of every script in the Basic Multilingual Plane (`٥٣٦`, `５３６`) become ASCII
 *   digits, and the full-width forms of ASCII (U+FF01–FF5E: `ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ`) become ASCII;
 * - space separators (Zs: no-break space U+00A0, U+2000–200A, narrow no-break space U+202F,
 *   U+3000 …) become a plain space, and dashes (Pd: U+2010–2015, U+FE58, U+FE63 …; minus sign
 *   U+2212) become `-`;
 * - invisible characters are deleted: format characters (Cf: zero-width space U+200B, joiners,
 *   soft hyphen U+00AD, bidi controls, U+FEFF, tag characters …) and the other default-ignorable
 *   code points (variation selectors, Hangul fillers).
 * The first two are one UTF-16 unit for one, so offsets hold; deletions shift them, and
 * {@link keptUnits} maps the folded text's offsets back to the original's. One pass, linear.
 */
export function foldForDetection(text: string): string {
  // Most text is ASCII: one regex test and it is returned as it is.
  if (!NON_ASCII.test(text) || !FOLDABLE.test(text)) return text;
  const out = new Uint16Array(text.length);
  let n = 0;
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const fold = c < 0x80 ? 0 : FOLD[c]!;
    if (fold === 0) {
      out[n++] = c;
      if (c >= 0xd800 && c <= 0xdbff && invisibleAstral(text, i)) {
        n--;
        i++;
        changed = true;
      }
    } else if (fold === DELETE) {
      changed = true;
    } else {
      out[n++] = fold;
      changed = true;
    }
  }
  return changed ? unitsToString(out, n) : text;
}

/**
 * For text whose folded form is shorter (invisible characters were deleted), the offset in
 * `original` of each UTF-16 unit of the folded text, in order: what a match found in the folded
 * text covers in the original. Deletes what {@link foldForDetection} deletes.
 */
export function keptUnits(original: string, foldedLength: number): Int32Array {
  const kept = new Int32Array(foldedLength);
  let k = 0;
  for (let i = 0; i < original.length; i++) {
    const c = original.charCodeAt(i);
    if (c >= 0x80 && FOLD[c] === DELETE) continue;
    if (c >= 0xd800 && c <= 0xdbff && invisibleAstral(original, i)) {
      i++;
      continue;
    }
    kept[k++] = i;
  }
  return kept;
}

/**
 * Moves a match from folded offsets to original ones: from its first character to just after its
 * last, so invisible characters inside it are covered too (and masked with it).
 */
export function toOriginalSpan(span: { start: number; end: number }, kept: Int32Array, originalLength: number): void {
  const start = span.start < kept.length ? kept[span.start]! : originalLength;
  span.end = span.end > span.start ? kept[span.end - 1]! + 1 : start;
  span.start = start;
}

const NON_ASCII = /[^ -~\t\n\r]/;

/** Whether the surrogate pair at `i` is an invisible character (tag characters, U+1D173 …). */
function invisibleAstral(text: string, i: number): boolean {
  const code = text.codePointAt(i)!;
  if (code >= 0xe0000) return code <= 0xe0fff; // plane 14 (tags, variation selectors) as a whole
  return code > 0xffff && code <= 0x1ffff && (planeOneInvisible ??= invisibleInPlaneOne()).has(code);
}

// Built when the first character beyond the BMP is met (~30 ms): a process that only ever sees
// ASCII never pays for it. Other planes hold none.
let planeOneInvisible: Set<number> | undefined;
function invisibleInPlaneOne(): Set<number> {
  const set = new Set<number>();
  for (let code = 0x10000; code <= 0x1ffff; code++) if (INVISIBLE.test(String.fromCodePoint(code))) set.add(code);
  return set;
}

function unitsToString(units: Uint16Array, length: number): string {
  let s = '';
  // In chunks, as fromCharCode takes its arguments on the stack; `apply` takes the typed array as
  // it is (spreading it is several times slower).
  for (let at = 0; at < length; at += 8192) {
    s += String.fromCharCode.apply(null, units.subarray(at, Math.min(at + 8192, length)) as unknown as number[]);
  }
  return s;
}

/** The BMP codes `table` says something about, as regex class ranges. */
function rangesOf(table: Uint8Array): string[] {
  const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  const out: string[] = [];
  for (let code = 0x80; code <= 0xffff; code++) {
    if (table[code] === 0) continue;
    const from = code;
    while (code < 0xffff && table[code + 1] !== 0) code++;
    out.push(from === code ? hex(from) : `${hex(from)}-${hex(code)}`);
  }
  return out;
}

/** What each BMP character reads as: 0 itself, DELETE nothing, else that ASCII code. */
const FOLD = new Uint8Array(0x10000);
const DELETE = 1;
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
{
  const DECIMAL = /\p{Nd}/u;
  const SPACE = /\p{Zs}/u;
  const DASH = /\p{Pd}/u;
  // Unicode decimal digits come in contiguous runs of 0–9: a digit's value is its place in its run.
  let place = 0;
  let afterDigit = false;
  for (let code = 0x80; code <= 0xffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue; // surrogates: never a character alone
    const c = String.fromCharCode(code);
    const digit = DECIMAL.test(c);
    if (digit) {
      place = afterDigit ? place + 1 : 0;
      FOLD[code] = 0x30 + (place % 10);
    } else if (INVISIBLE.test(c)) FOLD[code] = DELETE;
    else if (SPACE.test(c)) FOLD[code] = 0x20;
    else if (DASH.test(c) || code === 0x2212) FOLD[code] = 0x2d;
    afterDigit = digit;
  }
  for (let code = 0xff01; code <= 0xff5e; code++) FOLD[code] = code - 0xfee0;
}
/** Any character folded or deleted, or a high surrogate (an invisible tag character is a pair): without one, nothing to do. */
const FOLDABLE = new RegExp(`[${rangesOf(FOLD).join('')}\\ud800-\\udbff]`);
