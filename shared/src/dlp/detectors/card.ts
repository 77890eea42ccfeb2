import { isLuhnValid } from '../checksums';
import type { KeyContext } from '../keys';
import { matchInRuns, type NumericRun } from '../runs';
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

// Every common way of writing a card starts with a group of four digits; requiring it up front
// lets the engine skip most digits of a long text quickly. Then 9–15 more, each optionally after
// one separator: a space or dash, or a tab or line break (a card pasted over lines or cells
// reads the same; Unicode white space is folded to a space before this runs).
const CARD_CANDIDATE = /(?<!\d)\d{4}(?:(?:\r\n|[ \t\r\n-])?\d){9,15}(?!\d)/g;
const AFTER_GROUP = /\d[ \t\r\n-]$/;
const SEPARATOR = /[ \t\r\n-]/g;

export function findCards(text: string, runs: readonly NumericRun[], context: KeyContext, out: MatchSink): void {
  let lastEnd = -1;
  matchInRuns(CARD_CANDIDATE, text, runs, 13, (m) => {
    // The middle of a longer grouped number (an IBAN's "… 5278 7758 …") is not a card, unless
    // what comes before is a card itself (a list of cards separated by spaces).
    if (AFTER_GROUP.test(text.slice(Math.max(0, m.index - 2), m.index)) && m.index - 1 !== lastEnd) return m.index + 4;
    const card = longestCardPrefix(m[0]);
    if (card === null) return m.index + 4;
    lastEnd = m.index + card.length;
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

/**
 * The candidate as written, or shorter by whole trailing groups: "4111 1111 1111 1111 202"
 * is a card followed by something else, not a 19-digit non-card.
 */
function longestCardPrefix(candidate: string): string | null {
  let text = candidate;
  for (;;) {
    const digits = text.replace(SEPARATOR, '');
    if (digits.length < 13) return null;
    if (isCardNumber(digits)) return text;
    const cut = Math.max(...[' ', '-', '\t', '\r', '\n'].map((sep) => text.lastIndexOf(sep)));
    if (cut <= 0) return null;
    text = text.slice(0, cut);
  }
}
