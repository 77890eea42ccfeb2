/**
 * Masks the two kinds of value that must never sit in plain text in an audit preview or on a
 * reviewer's screen: US social security numbers (`123-45-6789`) and payment card numbers
 * (13–19 digits, optionally grouped by spaces or dashes, that pass the Luhn check — the check
 * keeps ordinary long numbers such as account ids or timestamps readable).
 */
export function redactSensitive(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'number') {
    // A card number passed as a JSON number is still a card number.
    if (Number.isInteger(value) && value > 0) {
      const masked = redactString(String(value));
      return masked === String(value) ? value : masked;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(redactSensitive);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    // null prototype: an own "__proto__" key stays a key (see canonicalJson)
    const out = Object.create(null) as Record<string, unknown>;
    for (const [key, inner] of Object.entries(value)) out[key] = redactSensitive(inner);
    return out;
  }
  return value;
}

const SSN = /\b\d{3}-\d{2}-\d{4}\b/g;
// 13–19 digits, each optionally followed by one space or dash; word boundaries on both ends.
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;

function redactString(text: string): string {
  return text
    .replace(SSN, (ssn) => `***-**-${ssn.slice(-4)}`)
    .replace(CARD_CANDIDATE, (candidate) => {
      const digits = candidate.replace(/[ -]/g, '');
      if (!isLuhnValid(digits)) return candidate;
      return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
    });
}

/** The Luhn checksum used by every major card network. */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
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
