import type { KeyContext } from '../keys';
import { matchInRuns, type NumericRun } from '../runs';
import type { MatchSink } from '../types';

// +<country code> then digits, single spaces/dots/dashes before a digit, or one parenthesised
// area code: +1 503 555 0123, +44 20 7946 0958, +4930123456, +1 (503) 555-0123. Each step
// consumes one unit that the next character decides, so the engine never backtracks far.
const INTERNATIONAL = /(?<![\w+])\+\d(?:\d|[ .-](?=[\d(])|\(\d{1,4}\)(?=[ .-]?\d)){6,22}(?!\d)/g;
// North American: (503) 555-0123, 503-555-0123, 503.555.0123, 1-503-555-0123. Separators are
// required: bare ten-digit runs are ids far more often than phone numbers.
const NANP = /(?<![\d+])(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\d-])/g;
// National forms with a trunk 0: 020 7946 0958, 07700 900123, 030-1234 5678, 01 23 45 67 89 —
// standing alone, not as the tail of a longer grouped number (an IBAN or account number).
const TRUNK_ZERO = /(?<![\d.,-]|\d[ -])0[1-9]\d{0,3}(?:[ -]\d{2,4}){2,4}(?![\d-]|[ -]\d)/g;
const BARE_DIGITS = /^\s*(\+?\d{10,15})\s*$/;

/**
 * Phone numbers: E.164 and international forms anywhere, North American and trunk-zero
 * national forms when written with separators, and bare digit strings under a phone-named field.
 */
export function findPhones(text: string, runs: readonly NumericRun[], context: KeyContext, out: MatchSink): void {
  const base = out.length;
  matchInRuns(
    INTERNATIONAL,
    text,
    runs,
    8,
    (m) => {
      const digits = countDigits(m[0]);
      if (digits >= 8 && digits <= 15) push(out, m.index, m[0], context.phone ? 0.95 : 0.8);
    },
    43, // +
  );
  matchInRuns(NANP, text, runs, 12, (m) => {
    const digits = m[0].replace(/\D/g, '').replace(/^1(?=\d{10}$)/, '');
    // Area code and exchange never start with 0 or 1.
    if (digits[0] === '0' || digits[0] === '1' || digits[3] === '0' || digits[3] === '1') return;
    if (!overlaps(out, base, m.index)) push(out, m.index, m[0], context.phone ? 0.95 : 0.75);
  });
  matchInRuns(
    TRUNK_ZERO,
    text,
    runs,
    12,
    (m) => {
      const digits = countDigits(m[0]);
      if (digits >= 10 && digits <= 11 && !overlaps(out, base, m.index)) push(out, m.index, m[0], context.phone ? 0.9 : 0.6);
    },
    48, // 0
  );
  if (context.phone && out.length === base) {
    const bare = BARE_DIGITS.exec(text);
    if (bare) push(out, text.indexOf(bare[1] as string), bare[1] as string, 0.85);
  }
}

function push(out: MatchSink, start: number, matched: string, confidence: number): void {
  out.push({ detector: 'phone', start, end: start + matched.length, confidence });
}

function overlaps(out: MatchSink, from: number, start: number): boolean {
  for (let i = from; i < out.length; i++) {
    const m = out[i];
    if (m && start >= m.start && start < m.end) return true;
  }
  return false;
}

function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
