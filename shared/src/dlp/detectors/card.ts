import { isLuhnValid } from '../checksums';
import type { KeyContext } from '../keys';
import { matchInRuns, type NumericRun } from '../runs';
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

// 13–19 digits from a digit that follows none, each after at most three separators (space, tab,
// line break, `-`, `.`, `/`, `_`): "4111 1111 1111 1111", "4111.1111.1111.1111", "4111 - 1111 - …"
// and digit by digit "4 1 1 1 …" read alike (Unicode white space and dashes are folded to a space
// and `-` before this runs). Each step is separators then a digit, and separators are never
// digits: no backtracking beyond the bounded repeat. No network issues numbers starting with 0, 1
// or 7, so no candidate starts there.
const CARD_CANDIDATE = /(?<!\d)[2-689](?:[ \t\r\n._/-]{0,3}\d){12,18}(?!\d)/g;
const SEPARATOR = /[ \t\r\n._/-]/g;
const IBAN_HINT = /[A-Z]{2}\d{2}/;
/** A candidate whose first group is one digit: written digit by digit. */
const SINGLE_DIGIT_GROUP = /^\d[ \t\r\n._/-]/;
/** Text ending in a one-digit group and its separators: the middle of a digit-by-digit number. */
const AFTER_SINGLE_DIGIT = /(?:^|\D)\d[ \t\r\n._/-]{1,3}$/;
/** More digits right after (through separators): the candidate stopped at its 19-digit bound. */
const DIGIT_AFTER = /^[ \t\r\n._/-]{0,3}\d/;

export function findCards(text: string, runs: readonly NumericRun[], context: KeyContext, out: MatchSink): void {
  const ibans = IBAN_HINT.test(text) ? ibanShapedSpans(text) : [];
  matchInRuns(CARD_CANDIDATE, text, runs, 13, (m) => {
    if (ibans.some(([start, end]) => m.index > start && m.index < end)) return m.index + 1;
    // Digit by digit ("4 1 1 1 …"), the digits read as one number: the card must be all of it,
    // from its first digit (as in "41111…" no card is looked for from inside, or before its last
    // digit). Otherwise any list of small numbers would hold a Luhn-valid stretch somewhere.
    const oneByOne = SINGLE_DIGIT_GROUP.test(m[0]);
    if (oneByOne && AFTER_SINGLE_DIGIT.test(text.slice(Math.max(0, m.index - 5), m.index))) return m.index + 1;
    // A card is looked for from every group of a longer number, not only from its first: a digit
    // and a space written ahead of a card ("1 4111 1111 1111 1111") must not hide it (attack
    // review 13: it did, as "the middle of a longer grouped number"). A valid IBAN still wins
    // over a card inside it (the more confident match), and digits of something written as an
    // IBAN (its country's length) are not looked into even when its check digits are wrong. On
    // no card, the next try is the next group.
    const end = m.index + m[0].length;
    const card = oneByOne ? wholeCard(m[0], text.slice(end, end + 4)) : longestCardPrefix(m[0]);
    if (card === null) return m.index + 1;
    out.push({
      detector: 'card',
      start: m.index,
      end: m.index + card.length,
      confidence: context.card ? 0.99 : 0.95,
    });
    // The rest of the candidate (e.g. a year after the card) may hold another number.
    return m.index + card.length;
  });
}

/** A digit-by-digit candidate if all of it is a card, and no digit follows it. */
function wholeCard(candidate: string, after: string): string | null {
  return isCardNumber(candidate.replace(SEPARATOR, '')) && !DIGIT_AFTER.test(after) ? candidate : null;
}

/**
 * The candidate as written, or shorter by whole trailing groups: "4111 1111 1111 1111 202"
 * is a card followed by something else, not a 19-digit non-card. One pass collects the digits
 * and where each group ends; prefixes are then checked from the longest (a card is looked for
 * from every group of a long number, so this runs often).
 */
function longestCardPrefix(candidate: string): string | null {
  let digits = '';
  const ends: number[] = []; // the candidate's offset just after each group
  for (let i = 0; i < candidate.length; i++) {
    if (!isDigit(candidate.charCodeAt(i))) continue;
    digits += candidate[i];
    if (!isDigit(candidate.charCodeAt(i + 1))) ends.push(i + 1);
  }
  // Walking back group by group, the digits before each group's end.
  let count = digits.length;
  for (let g = ends.length - 1; g >= 0 && count >= 13; g--) {
    if (isCardNumber(digits.slice(0, count))) return candidate.slice(0, ends[g]);
    for (let i = ends[g]! - 1; i >= 0 && isDigit(candidate.charCodeAt(i)); i--) count--;
  }
  return null;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
