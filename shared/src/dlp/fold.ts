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
 * {@link keptUnits} maps the folded text's offsets back to the original's.
 */
export function foldForDetection(text: string): string {
  // Most text is ASCII: one regex test and it is returned as it is.
  if (!NON_ASCII.test(text)) return text;
  const visible = INVISIBLE_ANY.test(text) ? text.replace(INVISIBLE, '') : text;
  return visible.replace(FOLDABLE, (c) => String.fromCharCode(ASCII_OF[c.charCodeAt(0)]!));
}

/**
 * For text whose folded form is shorter (invisible characters were deleted), the offset in
 * `original` of each UTF-16 unit of the folded text, in order: what a match found in the folded
 * text covers in the original. Walks the same deletions as {@link foldForDetection}.
 */
export function keptUnits(original: string, foldedLength: number): Int32Array {
  const kept = new Int32Array(foldedLength);
  let k = 0;
  let at = 0;
  INVISIBLE.lastIndex = 0;
  for (let m = INVISIBLE.exec(original); m !== null; m = INVISIBLE.exec(original)) {
    while (at < m.index) kept[k++] = at++;
    at = m.index + m[0].length;
  }
  while (at < original.length) kept[k++] = at++;
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
// Runs of them: one deletion per run, so a text made of invisible characters costs one match.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]+/gu;
const INVISIBLE_ANY = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** The ASCII code each foldable BMP character reads as (0: not folded). */
const ASCII_OF = new Uint8Array(0x10000);
const ranges: Array<[number, number]> = [];
{
  const addRange = (code: number) => {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === code - 1) last[1] = code;
    else ranges.push([code, code]);
  };
  const fold = (code: number, ascii: number) => {
    if (ASCII_OF[code] !== 0) return;
    ASCII_OF[code] = ascii;
    addRange(code);
  };
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
      fold(code, 0x30 + (place % 10));
    } else if (SPACE.test(c)) fold(code, 0x20);
    else if (DASH.test(c) || code === 0x2212) fold(code, 0x2d);
    afterDigit = digit;
  }
  for (let code = 0xff01; code <= 0xff5e; code++) {
    if (ASCII_OF[code] === 0) ASCII_OF[code] = code - 0xfee0;
    if (!ranges.some(([from, to]) => code >= from && code <= to)) addRange(code);
  }
  ranges.sort((a, b) => a[0] - b[0]);
}
const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
const FOLDABLE = new RegExp(`[${ranges.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('')}]`, 'g');
