import { isSsnValid } from '../checksums';
import type { KeyContext } from '../keys';
import { labelFinder, matchInRuns, type NumericRun } from '../runs';
import type { MatchSink } from '../types';

// 123-45-6789, 123 45 6789, 123.45.6789, 123/45/6789 or 123_45_6789 (the same separator twice),
// not inside a longer number.
const SSN_FORMATTED = /(?<![\d./_-])\d{3}([-. /_])\d{2}\1\d{4}(?![\d-]|[./_]\d)/g;
const NINE_DIGITS = /(?<!\d)\d{9}(?!\d)/g;
// A label just before an unformatted number makes it an SSN: "SSN: 123456789", "social security no. …".
const SSN_LABEL = /\bssn|social security|\bsoc\.? ?sec/gi;
const ANY_SSN_LABEL = /\bssn|social security|\bsoc\.? ?sec/i;
const LABEL_FILLER = /^[\w .#:=]*$/;
const WHOLE_LAST4 = /^\s*(\d{4})\s*$/;

/**
 * US social security numbers. Formatted ones are found anywhere; a bare nine-digit number only
 * under an SSN-named field or right after an "SSN" label. Invalid ranges and the advertised
 * sample numbers are not SSNs in free text; under an SSN-named field anything SSN-shaped is
 * reported (with lower confidence), because the field says what it holds. A field such as
 * `ssn_last4` holding four digits is a partial SSN.
 */
export function findSsns(text: string, runs: readonly NumericRun[], context: KeyContext, out: MatchSink): void {
  matchInRuns(SSN_FORMATTED, text, runs, 11, (m) => {
    const digits = m[0].replace(/\D/g, '');
    const valid = isSsnValid(digits);
    if (!valid && !context.ssn) return;
    out.push({
      detector: 'ssn',
      start: m.index,
      end: m.index + m[0].length,
      confidence: !valid ? 0.5 : context.ssn ? 0.99 : 0.9,
    });
  });

  // One look for a label anywhere first: most texts have none, and then no number needs its own.
  if (!context.ssn && !ANY_SSN_LABEL.test(text)) return;
  const afterLabel = context.ssn ? () => true : labelFinder(text, SSN_LABEL, 16, LABEL_FILLER);
  matchInRuns(NINE_DIGITS, text, runs, 9, (m) => {
    const labelled = afterLabel(m.index);
    if (!labelled) return;
    const valid = isSsnValid(m[0]);
    if (!valid && !context.ssn) return;
    out.push({
      detector: 'ssn',
      start: m.index,
      end: m.index + 9,
      confidence: valid ? 0.9 : 0.5,
    });
  });

  findLast4(text, context, out);
}

function findLast4(text: string, context: KeyContext, out: MatchSink): void {
  if (context.ssn) {
    const last4 = WHOLE_LAST4.exec(text);
    if (last4) {
      const start = text.indexOf(last4[1] as string);
      out.push({ detector: 'ssn', start, end: start + 4, confidence: 0.6 });
    }
  }
}
