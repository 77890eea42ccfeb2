/**
 * What matched text becomes when masked, by detector: the conventional visible part and nothing
 * more. Computed only when something is masked, never during a plain scan.
 */
export function maskText(detector: string, matched: string): string {
  switch (detector) {
    case 'card': {
      const digits = matched.replace(/\D/g, '');
      return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
    }
    case 'ssn':
      // A field holding only the last four digits gives nothing away at all.
      return /^\d{4}$/.test(matched) ? '****' : keepLastDigits(matched, 4);
    case 'phone':
    case 'routing':
      return keepLastDigits(matched, 4);
    case 'iban': {
      const compact = matched.replace(/ /g, '');
      return `${compact.slice(0, 2).toUpperCase()}${'*'.repeat(compact.length - 6)}${compact.slice(-4)}`;
    }
    case 'email': {
      const at = matched.indexOf('@');
      return `${matched[0] ?? ''}***${matched.slice(at)}`;
    }
    case 'dob':
      return matched.replace(/[A-Za-z0-9]/g, '*');
    default:
      return `[REDACTED:${detector}]`;
  }
}

/** Digits but the last `keep` become `*`; separators stay: `***-**-6789`, `(***) ***-0123`. */
function keepLastDigits(text: string, keep: number): string {
  let digits = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) digits++;
  let seen = 0;
  return text.replace(/\d/g, (d) => (++seen > digits - keep ? d : '*'));
}
