import { isValidIBAN } from 'ibantools';
import type { MatchSink } from '../types';

// Country code, check digits, then 11–30 letters or digits, optionally in space-separated groups
// (the printed form). Upper case only: that is how IBANs are written and printed.
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;

/**
 * IBANs, validated by `ibantools` (the registry's per-country length and BBAN format, and the
 * mod-97 check digits). A candidate that runs into the next word is retried without its
 * trailing groups.
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

function longestValidPrefix(candidate: string): string | null {
  let text = candidate;
  for (;;) {
    if (isValidIBAN(text.replace(/ /g, ''))) return text;
    const cut = text.lastIndexOf(' ');
    if (cut <= 4) return null;
    text = text.slice(0, cut);
  }
}
