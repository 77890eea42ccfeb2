import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import type { MatchSink } from '../types';

// Country code, check digits, then 11–30 letters or digits, optionally in space-separated groups
// (the printed form), in either case: an IBAN written in lower case is still one (attack review 13).
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])/g;

/**
 * IBANs, validated by `ibantools` (the registry's per-country length and BBAN format, and the
 * mod-97 check digits). A candidate that runs into the next word is cut to its country's length.
 */
export function findIbans(text: string, out: MatchSink): void {
  IBAN_CANDIDATE.lastIndex = 0;
  for (let m = IBAN_CANDIDATE.exec(text); m !== null; m = IBAN_CANDIDATE.exec(text)) {
    const iban = longestValidPrefix(m[0]);
    if (iban === null) continue;
    out.push({
      detector: 'iban',
      start: m.index,
      end: m.index + iban.length,
      confidence: 0.99,
    });
    IBAN_CANDIDATE.lastIndex = m.index + iban.length;
  }
}

const LENGTHS = new Map(Object.entries(getCountrySpecifications()).map(([country, spec]) => [country, spec.chars ?? 0]));

/** The candidate cut to its country's IBAN length (at a group boundary), if valid; else null. */
function longestValidPrefix(candidate: string): string | null {
  const iban = ibanShapedPrefix(candidate);
  return iban !== null && isValidIBAN(iban.replace(/ /g, '').toUpperCase()) ? iban : null;
}

/** The candidate cut to its country's IBAN length at a group boundary, checksum unchecked; else null. */
function ibanShapedPrefix(candidate: string): string | null {
  const length = LENGTHS.get(candidate.slice(0, 2).toUpperCase()) ?? 0;
  if (length === 0) return null;
  let seen = 0;
  let end = 0;
  while (end < candidate.length && seen < length) if (candidate[end++] !== ' ') seen++;
  if (seen < length || (end < candidate.length && candidate[end] !== ' ')) return null;
  return candidate.slice(0, end);
}

/**
 * Where the text holds something written as an IBAN (a country code, two digits and exactly that
 * country's length) whatever its check digits: a mistyped IBAN is not a card, though a window of
 * its digits may pass Luhn. `[start, end)` pairs, in order.
 */
export function ibanShapedSpans(text: string): Array<readonly [number, number]> {
  const spans: Array<readonly [number, number]> = [];
  IBAN_SHAPE.lastIndex = 0;
  for (let m = IBAN_SHAPE.exec(text); m !== null; m = IBAN_SHAPE.exec(text)) {
    const iban = ibanShapedPrefix(m[0]);
    if (iban !== null) spans.push([m.index, m.index + iban.length]);
  }
  return spans;
}
const IBAN_SHAPE = new RegExp(IBAN_CANDIDATE.source, 'g');
