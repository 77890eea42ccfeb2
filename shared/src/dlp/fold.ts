/**
 * Text as the detectors read it. Otherwise a card number, SSN or key written with Unicode look-alikes
 * would pass unseen (and its audit preview would keep it readable):
 * - decimal digits of every script (Nd: `٥٣٦`, `५३६`, `５３６`, mathematical `𝟓𝟑𝟔`) become ASCII
 *   digits, and so does every character whose compatibility form (NFKC) is one ASCII character:
 *   full-width forms (`ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ`), mathematical letters (`𝐀𝐊𝐈𝐀`), superscript and
 *   subscript digits (`⁴¹¹¹`), circled digits (`④①①①`, and the dingbat ones `❹➀➊`);
 * - white space (Zs, U+2028/2029, U+0085: no-break space U+00A0, narrow no-break space U+202F …)
 *   becomes a plain space, and dashes (Pd: U+2010–2015, U+FE58 …; minus sign U+2212) become `-`;
 * - invisible characters are deleted: format characters (Cf: zero-width space U+200B, joiners,
 *   soft hyphen U+00AD, bidi controls, U+FEFF, tag characters …), the other default-ignorable code
 *   points (variation selectors, Hangul fillers), and combining marks that don't take up space
 *   (Mn, Me: accents U+0300–036F, U+20D0–20FF such as the keycap U+20E3 …): a mark on a digit
 *   leaves the digit a reader sees.
 * Not folded: forms that read as several characters (`⑩` 10, `⑴` (1), `⒈` 1.), which no detector
 * reads in ASCII either, and precomposed letters (`é` stays `é`, so custom patterns over names keep
 * working). BMP characters fold one UTF-16 unit for one; deletions and astral characters folded
 * to ASCII (a surrogate pair to one unit) shift offsets, and {@link keptUnits} maps the folded
 * text's offsets back to the original's. One pass, linear.
 */
export function foldForDetection(text: string): string {
  // Most text is ASCII: one regex test and it is returned as it is.
  if (!NON_ASCII.test(text)) return text;
  const { bmp, foldable } = (tables ??= bmpTables());
  if (!foldable.test(text)) return text;
  const out = new Uint16Array(text.length);
  let n = 0;
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let fold = c < 0x80 ? 0 : bmp[c]!;
    if (fold === 0 && c >= 0xd800 && c <= 0xdbff) {
      fold = foldAstral(text, i);
      if (fold !== 0) i++; // the low surrogate goes with it
    }
    if (fold === 0) {
      out[n++] = c;
    } else {
      if (fold !== DELETE) out[n++] = fold;
      changed = true;
    }
  }
  return changed ? unitsToString(out, n) : text;
}

/**
 * For text whose folded form has another length (characters were deleted, or astral ones folded
 * to one unit), the offset in `original` of each UTF-16 unit of the folded text, in order: what a
 * match found in the folded text covers in the original. Folds as {@link foldForDetection} does.
 */
export function keptUnits(original: string, foldedLength: number): Int32Array {
  const { bmp } = (tables ??= bmpTables());
  const kept = new Int32Array(foldedLength);
  let k = 0;
  for (let i = 0; i < original.length; i++) {
    const c = original.charCodeAt(i);
    let fold = c < 0x80 ? 0 : bmp[c]!;
    const at = i;
    if (fold === 0 && c >= 0xd800 && c <= 0xdbff) {
      fold = foldAstral(original, i);
      if (fold !== 0) i++;
    }
    if (fold !== DELETE) kept[k++] = at;
  }
  return kept;
}

/**
 * Moves a match from folded offsets to original ones: from its first character to just after its
 * last (both units of a surrogate pair), so invisible characters inside it are covered too (and
 * masked with it), and a mask never leaves half a pair behind.
 */
export function toOriginalSpan(span: { start: number; end: number }, kept: Int32Array, original: string): void {
  const start = span.start < kept.length ? kept[span.start]! : original.length;
  if (span.end > span.start) {
    const last = kept[span.end - 1]!;
    span.end = last + (isHighSurrogate(original.charCodeAt(last)) && isLowSurrogate(original.charCodeAt(last + 1)) ? 2 : 1);
  } else span.end = start;
  span.start = start;
}

const NON_ASCII = /[^ -~\t\n\r]/;
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** What the character starting with the high surrogate at `i` reads as. */
function foldAstral(text: string, i: number): number {
  const code = text.codePointAt(i)!;
  if (code >= 0xe0000) return code <= 0xe0fff ? DELETE : 0; // plane 14 (tags, variation selectors) as a whole
  return code > 0xffff && code <= 0x1ffff ? (planeOne ??= foldTable(0x10000))[code - 0x10000]! : 0;
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

/**
 * What each character reads as, in tables of one plane: 0 itself, DELETE nothing, else that
 * ASCII code. Built when first needed (~20–30 ms a plane): the BMP's when the first non-ASCII text
 * is met, plane 1's (mathematical letters and digits, astral marks and digits) on the first
 * surrogate pair. A process that only ever sees ASCII builds neither. Other planes hold nothing
 * to fold but plane 14, deleted as a whole.
 */
const DELETE = 1;
let tables: { bmp: Uint8Array; foldable: RegExp } | undefined;
let planeOne: Uint8Array | undefined;

function bmpTables(): { bmp: Uint8Array; foldable: RegExp } {
  const bmp = foldTable(0);
  // Any character folded or deleted, or a high surrogate (an astral character may fold): without
  // one, nothing to do.
  return { bmp, foldable: new RegExp(`[${rangesOf(bmp).join('')}\\ud800-\\udbff]`) };
}

const DECIMAL = /\p{Nd}/u;
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Mn}\p{Me}]/u;
const SPACE = /\p{White_Space}/u;
const DASH = /\p{Pd}/u;
/**
 * Where characters with a compatibility form of one ASCII character are (fold.test checks that
 * there are none elsewhere): normalizing only these keeps building a table cheap.
 */
const COMPAT_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [0x00a0, 0x037f],
  [0x1d00, 0x1dbf],
  [0x1f00, 0x1fff],
  [0x2000, 0x24ff],
  [0x2c60, 0x2c7f],
  [0xa7f0, 0xa7ff],
  [0xfb00, 0xffef],
  [0x10780, 0x107bf],
  [0x1cc00, 0x1ccff],
  [0x1d400, 0x1d7ff],
  [0x1f100, 0x1f1ff],
];
/** Dingbat circled digits ❶➀➊ and double-circled ⓵ (1–9, each run's tenth is ten), which have no compatibility form. */
const CIRCLED_ONE = [0x2776, 0x2780, 0x278a, 0x24f5];

function foldTable(base: number): Uint8Array {
  const table = new Uint8Array(0x10000);
  // Unicode decimal digits come in contiguous runs of 0–9: a digit's value is its place in its run.
  let place = 0;
  let afterDigit = false;
  for (let code = Math.max(base, 0x80); code <= base + 0xffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue; // surrogates: never a character alone
    const c = String.fromCodePoint(code);
    const digit = DECIMAL.test(c);
    table[code - base] = digit ? 0x30 + ((place = afterDigit ? place + 1 : 0) % 10) : foldOf(code, c);
    afterDigit = digit;
  }
  for (const one of CIRCLED_ONE) if (one >= base && one <= base + 0xffff) for (let d = 0; d < 9; d++) table[one - base + d] = 0x31 + d;
  if (base === 0) table[0x24ff] = 0x30; // ⓿
  else table[0x1f10b - base] = table[0x1f10c - base] = 0x30; // dingbat circled zeros
  return table;
}

/** What a character other than a decimal digit reads as. */
function foldOf(code: number, c: string): number {
  if (INVISIBLE.test(c)) return DELETE;
  if (SPACE.test(c)) return 0x20;
  if (DASH.test(c) || code === 0x2212) return 0x2d;
  if (!COMPAT_BLOCKS.some(([from, to]) => code >= from && code <= to)) return 0;
  const compat = c.normalize('NFKC');
  const ascii = compat.length === 1 ? compat.charCodeAt(0) : 0;
  return ascii > 0x20 && ascii < 0x7f ? ascii : 0;
}
