import { isLuhnValid } from '../checksums';
import type { KeyContext } from '../keys';
import type { NumericRun } from '../runs';
import { ibanShapedSpans } from './iban';
import type { MatchSink } from '../types';

/**
 * Issuer ranges (IIN/BIN prefixes) of the card networks in use, with the lengths each issues.
 * A Luhn-valid number outside every range is an account id or a timestamp, not a card.
 */
const IIN_RANGES: ReadonlyArray<readonly [from: number, to: number, lengths: readonly number[]]> = [
  [4, 4, [13, 16, 19]], // Visa
  [51, 55, [16]], // Mastercard
  [2221, 2720, [16]], // Mastercard 2-series
  [34, 34, [15]], // American Express
  [37, 37, [15]],
  [6011, 6011, [16, 17, 18, 19]], // Discover
  [644, 649, [16, 17, 18, 19]],
  [65, 65, [16, 17, 18, 19]],
  [300, 305, [14, 15, 16, 17, 18, 19]], // Diners Club
  [36, 36, [14, 15, 16, 17, 18, 19]],
  [38, 39, [14, 15, 16, 17, 18, 19]],
  [3528, 3589, [16, 17, 18, 19]], // JCB
  [62, 62, [16, 17, 18, 19]], // UnionPay
  [81, 81, [16, 17, 18, 19]],
  [2200, 2204, [16, 17, 18, 19]], // Mir
  [5018, 5018, [12, 13, 14, 15, 16, 17, 18, 19]], // Maestro
  [5020, 5020, [12, 13, 14, 15, 16, 17, 18, 19]],
  [5038, 5038, [12, 13, 14, 15, 16, 17, 18, 19]],
  [5893, 5893, [12, 13, 14, 15, 16, 17, 18, 19]],
  [6304, 6304, [12, 13, 14, 15, 16, 17, 18, 19]],
  [6759, 6759, [12, 13, 14, 15, 16, 17, 18, 19]],
  [6761, 6763, [12, 13, 14, 15, 16, 17, 18, 19]],
  [60, 60, [16]], // RuPay
  [508, 508, [16]],
  [9792, 9792, [16]], // Troy
];

/** Whether the digits are a length some network issues under its prefix. */
export function hasKnownIin(digits: string): boolean {
  for (const [from, to, lengths, width] of RANGES) {
    if (!lengths.includes(digits.length)) continue;
    const prefix = Number(digits.slice(0, width));
    if (prefix >= from && prefix <= to) return true;
  }
  return false;
}

// Each range with its prefix width, computed once: every card-shaped number is checked here.
const RANGES = IIN_RANGES.map(([from, to, lengths]) => [from, to, lengths, String(from).length] as const);

export function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && hasKnownIin(digits) && isLuhnValid(digits);
}

/**
 * Cards in the numeric runs, in one pass over each run's characters (attack review 13's scan ran
 * a regex per group start, each reading up to 19 digits again: 20–60 ms on hostile 64 KiB texts
 * of grouped digits).
 *
 * - A number is digits joined by at most three separators (space, tab, line break, `-`, `.`, `/`,
 *   `_`; Unicode white space and dashes are folded to these before this runs), so
 *   "4111 1111 1111 1111", "4111.1111.1111.1111", "4111 - 1111 - …" and "4 1 1 1 …" read alike;
 *   a group is digits written together.
 * - A card is looked for from every group of a number, not only its first: a digit and a space
 *   written ahead of a card ("1 4111 1111 1111 1111") must not hide it (attack review 13). From
 *   a group, the candidate is the longest run of whole groups of at most 19 digits; the card is
 *   that candidate or a shorter one by whole trailing groups ("4111 1111 1111 1111 202" is a card
 *   then something else) with ≥ 13 digits, a known issuer range for its length, Luhn, and the
 *   grouping of a card ({@link isCardGrouping}: unbroken, or groups of at least four digits but
 *   the last): rows of small numbers, dates or phone numbers are not read as one.
 * - Digit by digit ("4 1 1 1 …": a group of one digit), the digits read as one number: the card
 *   must be all of it, from its first digit (as in "41111…" no card is looked for from inside, or
 *   before its last digit), on one line: a column or table row of single digits (tabs, line
 *   breaks) is a list of values. Otherwise any list of small numbers would hold a Luhn-valid
 *   stretch.
 * - Digits inside something written as an IBAN (its country's length) are not looked into, even
 *   when its check digits are wrong; a valid IBAN wins over a card inside it.
 * - After a card, the search goes on after it (e.g. a year after the card may hold another number).
 *
 * The Luhn sum of any stretch is read from prefix sums, and the issuer from a table of 4-digit
 * prefixes: each group start costs a bounded number of steps, whatever the text.
 */
export function findCards(text: string, runs: readonly NumericRun[], context: KeyContext, out: MatchSink): void {
  let ibans: ReadonlyArray<readonly [number, number]> | null = null;
  const confidence = context.card ? 0.99 : 0.95;
  nextIban = 0;
  for (const run of runs) {
    if (run.length < 13) continue;
    ibans ??= IBAN_HINT.test(text) ? ibanShapedSpans(text) : [];
    scanRun(text, run.start, run.end, ibans, confidence, out);
  }
  // Buffers grown for a text past the default argument size are not kept for the next one.
  if (digit.length > KEPT) reserve(0, true);
}

/** Work done by {@link findCards} (characters read, stretches checked): for tests of its linearity. */
export const cardScanSteps = { count: 0 };

const IBAN_HINT = /[A-Z]{2}\d{2}/;
// The first IBAN-shaped span not wholly before the number being read (numbers come in order).
let nextIban = 0;

// One number's digits (values, offsets in the text) and their groups, reused from call to call.
let digit = new Uint8Array(64);
let offset = new Int32Array(64);
// Luhn prefix sums: luhnEven[i] sums digits 0..i-1 with those at even indexes as they are and
// those at odd indexes doubled (the sum a stretch ending at an even index needs), luhnOdd the
// other way round.
let luhnEven = new Int32Array(65);
let luhnOdd = new Int32Array(65);
let groupStart = new Int32Array(64);
let groupEnd = new Int32Array(64);
// Whether a group follows the one before without a tab or line break.
let sameLine = new Uint8Array(64);
let longs = new Int32Array(64);
let ones = new Int32Array(64);

// ~2 MB of buffers at most between calls (one 64 KiB run of digits).
const KEPT = 64 * 1024;

function reserve(n: number, shrink = false): void {
  if (digit.length >= n && !shrink) return;
  const size = shrink ? 64 : Math.max(n, digit.length * 2);
  digit = new Uint8Array(size);
  offset = new Int32Array(size);
  luhnEven = new Int32Array(size + 1);
  luhnOdd = new Int32Array(size + 1);
  groupStart = new Int32Array(size);
  groupEnd = new Int32Array(size);
  sameLine = new Uint8Array(size);
  longs = new Int32Array(size);
  ones = new Int32Array(size);
}

/** Splits a run into numbers (digits joined by ≤ 3 card separators: a `(` or `)` ends one). */
function scanRun(
  text: string,
  start: number,
  end: number,
  ibans: ReadonlyArray<readonly [number, number]>,
  confidence: number,
  out: MatchSink,
): void {
  reserve(end - start);
  let n = 0; // digits of the current number
  let groups = 0;
  let last = -1; // offset of the number's last digit
  let joined = true; // only card separators since it
  let inLine = true; // no tab or line break since it
  for (let i = start; i < end; ) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) {
      if (!isCardSeparator(c)) joined = false;
      else if (c === 0x09 || c === 0x0a || c === 0x0d) inLine = false;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
    // A group [i, j): part of the number so far, or the start of another.
    const joins = last >= 0 && joined && i - last <= 4;
    if (n > 0 && !joins) {
      cardsInNumber(n, groups, true, ibans, confidence, out);
      n = 0;
      groups = 0;
    }
    if (j - i > 19) {
      // No card holds a group this long, so none spans it: the number is read as two parts, the
      // first not a whole number (a card written digit by digit must be all of its number).
      if (n > 0) cardsInNumber(n, groups, false, ibans, confidence, out);
      n = 0;
      groups = 0;
    } else {
      groupStart[groups] = n;
      sameLine[groups] = inLine ? 1 : 0;
      groupEnd[groups++] = n + j - i;
      for (let k = i; k < j; k++) {
        const d = text.charCodeAt(k) - 0x30;
        const doubled = d > 4 ? 2 * d - 9 : 2 * d;
        digit[n] = d;
        offset[n] = k;
        luhnEven[n + 1] = luhnEven[n]! + (n % 2 === 0 ? d : doubled);
        luhnOdd[n + 1] = luhnOdd[n]! + (n % 2 === 0 ? doubled : d);
        n++;
      }
    }
    last = j - 1;
    joined = true;
    inLine = true;
    i = j;
  }
  cardsInNumber(n, groups, true, ibans, confidence, out);
  cardScanSteps.count += end - start;
}

/**
 * The cards of one number (`whole`) or of its part before a group too long for any card: `n`
 * digits in `groups` groups, as read by {@link scanRun}. Group by
 * group from the first, as a search from left to right would meet them.
 */
function cardsInNumber(
  n: number,
  groups: number,
  whole: boolean,
  ibans: ReadonlyArray<readonly [number, number]>,
  confidence: number,
  out: MatchSink,
): void {
  if (n < 13) return;
  let from = 0; // no card starts before this digit (the end of the last card found)
  // Per group, how many groups of at least four digits run from it, and how many of one digit
  // on one line (no tab or line break between them): a card's grouping is checked in one step.
  for (let g = groups - 1; g >= 0; g--) {
    const length = groupEnd[g]! - groupStart[g]!;
    const later = g + 1 < groups;
    longs[g] = length >= 4 ? 1 + (later ? longs[g + 1]! : 0) : 0;
    ones[g] = length === 1 ? 1 + (later && sameLine[g + 1] ? ones[g + 1]! : 0) : 0;
  }
  cardScanSteps.count += groups;
  let reach = 0; // the last group ending at most 19 digits after the current group's start
  for (let g = 0; g < groups; g++) {
    const a = groupStart[g]!;
    if (a < from) continue;
    const first = digit[a]!;
    if (first < 2 || first === 7) continue; // no network issues numbers starting with 0, 1 or 7
    if (reach < g) reach = g;
    while (reach + 1 < groups && groupEnd[reach + 1]! - a <= 19) reach++;
    cardScanSteps.count++;
    // The candidate: whole groups from here, 13 to 19 digits (none if the first group is longer).
    const span = groupEnd[reach]! - a;
    if (span < 13 || span > 19) continue;
    const at = offset[a]!;
    while (nextIban < ibans.length && ibans[nextIban]![1] <= at) nextIban++;
    if (nextIban < ibans.length && at > ibans[nextIban]![0]) continue;
    let card = -1; // the end (a digit index) of the card starting at `a`
    if (groupEnd[g]! - a === 1) {
      // Digit by digit: all of the number from here, one digit at a time on one line (a column
      // or a table row of single digits is a list of values), and not from the middle of it.
      if (g > 0 && groupEnd[g - 1]! - groupStart[g - 1]! === 1) continue;
      if (whole && groupEnd[reach] === n && ones[g] === groups - g && isCardAt(a, n)) card = n;
    } else {
      for (let r = reach; r >= g && groupEnd[r]! - a >= 13; r--) {
        cardScanSteps.count++;
        if (isCardGrouping(g, r) && isCardAt(a, groupEnd[r]!)) {
          card = groupEnd[r]!;
          break;
        }
      }
    }
    if (card === -1) continue;
    out.push({ detector: 'card', start: at, end: offset[card - 1]! + 1, confidence });
    from = card;
  }
}

/**
 * Whether groups `g` to `r` of the current number are grouped as cards are written: unbroken, or
 * in groups of at least four digits but the last (4-4-4-4, 4-4-4-1, 4-6-5, 4-4-4-4-3). Rows of
 * small numbers, dates, amounts, versions, IP addresses and phone numbers have shorter groups;
 * read as one number, one row of two-digit numbers in four held a Luhn-valid stretch from a
 * known issuer range.
 */
function isCardGrouping(g: number, r: number): boolean {
  return longs[g]! >= r - g;
}

/** Whether digits `a` to `end` (exclusive) of the current number are a card number. */
function isCardAt(a: number, end: number): boolean {
  const prefix = digit[a]! * 1000 + digit[a + 1]! * 100 + digit[a + 2]! * 10 + digit[a + 3]!;
  if ((ISSUED[prefix]! & (1 << (end - a))) === 0) return false;
  // The last digit is as it is, the one before doubled, and so on.
  const sums = (end - 1) % 2 === 0 ? luhnEven : luhnOdd;
  return (sums[end]! - sums[a]!) % 10 === 0;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Space, tab, line break, `-`, `.`, `/` or `_`. */
function isCardSeparator(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2d || c === 0x2e || c === 0x2f || c === 0x5f;
}

/** By 4-digit prefix, a bit per length (1 << length) that some network issues under it. */
const ISSUED = (() => {
  const table = new Uint32Array(10_000);
  for (const [from, to, lengths, width] of RANGES) {
    const scale = 10 ** (4 - width);
    let bits = 0;
    for (const length of lengths) bits |= 1 << length;
    for (let p = from * scale; p < (to + 1) * scale; p++) table[p]! |= bits;
  }
  return table;
})();
