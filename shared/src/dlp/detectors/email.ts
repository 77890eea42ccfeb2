import type { MatchSink } from '../types';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

/**
 * E-mail addresses, found from each `@` outwards instead of with one regex over the text: a
 * regex that starts at every letter costs ~15 µs per KiB of prose, this costs an `indexOf`.
 */
export function findEmails(text: string, out: MatchSink): void {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    let dot = false;
    while (end < text.length && end - at <= MAX_DOMAIN && isDomainChar(text.charCodeAt(end))) {
      if (text.charCodeAt(end) === 46) dot = true;
      end++;
    }
    // No domain without a dot ("@handle", "a@b"): no need to look closer.
    if (!dot) continue;
    // A sentence may end right after the address.
    while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    while (start < at && text[start] === '.') start++;
    if (start === at || !isDomain(text.slice(at + 1, end))) continue;
    out.push({
      detector: 'email',
      start,
      end,
      confidence: 0.95,
    });
  }
}

function isDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1] as string;
  if (!/^[A-Za-z]{2,24}$/.test(tld)) return false;
  return labels.every((l) => l.length > 0 && l.length <= 63 && l[0] !== '-' && l[l.length - 1] !== '-');
}

function isLocalChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45; // . _ % + -
}

function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 45; // . -
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
