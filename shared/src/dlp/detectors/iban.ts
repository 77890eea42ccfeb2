import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import type { MatchSink } from '../types';

// Country code, check digits, then 11–30 letters or digits, optionally in space-separated groups
// (the printed form). Upper case only: that is how IBANs are written and printed.
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;

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
  const length = LENGTHS.get(candidate.slice(0, 2)) ?? 0;
  if (length === 0) return null;
  let seen = 0;
  let end = 0;
  while (end < candidate.length && seen < length) if (candidate[end++] !== ' ') seen++;
  if (seen < length || (end < candidate.length && candidate[end] !== ' ')) return null;
  const iban = candidate.slice(0, end);
  return isValidIBAN(iban.replace(/ /g, '')) ? iban : null;
}
