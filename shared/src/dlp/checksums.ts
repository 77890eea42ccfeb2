/**
 * The arithmetic that separates a real identifier from a number that merely looks like one.
 * Every function takes digits only (callers strip separators) and never throws.
 */

/** The Luhn checksum used by every major card network. */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ABA routing number: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10), issued prefixes only. */
export function isAbaRoutingValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  // 00–12 Federal Reserve districts, 21–32 thrifts, 61–72 electronic, 80 traveller's cheques.
  const prefix = Number(digits.slice(0, 2));
  const issued =
    prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80;
  if (!issued || digits === '000000000') return false;
  const d = (i: number) => digits.charCodeAt(i) - 48;
  const sum =
    3 * (d(0) + d(3) + d(6)) + 7 * (d(1) + d(4) + d(7)) + (d(2) + d(5) + d(8));
  return sum % 10 === 0;
}

/**
 * Numbers the SSA never issues (area 000, 666 or 900–999; group 00; serial 0000) and the
 * well-known ones printed in advertising and samples (Woolworth's 078-05-1120, the SSA's
 * 219-09-9999, the 987-65-432x block is already excluded by its area).
 */
export function isSsnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5));
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return false;
  return !ADVERTISED_SSNS.has(digits);
}

const ADVERTISED_SSNS = new Set(['078051120', '219099999', '457555462', '123456789']);

/** Shannon entropy in bits per character: random tokens score ≥ 3.5, words and ids much less. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
