import { maskValue } from './dlp/mask';

export { isLuhnValid } from './dlp/checksums';

/**
 * Masks sensitive data wherever it sits in a value, for audit previews, approval cards and API
 * answers: every DLP detector runs (cards, SSNs — including `ssn_last4`-style fields —, dates of
 * birth under DOB-named fields, IBANs, routing numbers, e-mails, phone numbers, secrets), and each
 * match is replaced by its mask (`************1111`, `***-**-6789`, `[REDACTED:github_token]`).
 * The input is not modified. See `maskValue` in `./dlp` for the options.
 */
export function redactSensitive(value: unknown): unknown {
  return maskValue(value);
}
