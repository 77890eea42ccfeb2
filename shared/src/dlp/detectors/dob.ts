import type { KeyContext } from '../keys';
import type { MatchSink } from '../types';

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
// The date forms people and systems write: 1985-03-12 (with an optional time), 03/12/1985,
// 12.03.1985, 19850312, March 12, 1985, 12 March 1985.
const DATE_FORMS = [
  /(?<y>\d{4})-(?<a>\d{1,2})-(?<b>\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?/y,
  /(?<a>\d{1,2})[/.-](?<b>\d{1,2})[/.-](?<y>\d{4}|\d{2})(?![\d/.-])/y,
  /(?<y>\d{4})(?<a>\d{2})(?<b>\d{2})(?!\d)/y,
  new RegExp(`(?:${MONTHS})\\.? (?<b>\\d{1,2})(?:st|nd|rd|th)?,? (?<y>\\d{4})`, 'iy'),
  new RegExp(`(?<b>\\d{1,2})(?:st|nd|rd|th)? (?:of )?(?:${MONTHS})\\.?,? (?<y>\\d{4})`, 'iy'),
];
// "DOB: …", "date of birth …", "born on …", "birthday: …" — the date must follow within a few
// characters of punctuation.
const DOB_LABEL = /\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|birthday|born(?: on)?)(?![a-z])["']?\s{0,3}[:=-]?\s{0,3}["']?/gi;

/**
 * Dates of birth. A date alone is an appointment or a transaction; a date under a DOB-named
 * field (`dob`, `date_of_birth`, `birthDate`) or right after a DOB label in text is a birth date.
 */
export function findDobs(text: string, context: KeyContext, out: MatchSink): void {
  if (context.dob) {
    const start = text.length - text.trimStart().length;
    const end = dateAt(text, start);
    if (end !== -1) {
      push(out, start, end, 0.95);
      return;
    }
  }
  // The shortest labelled date ("dob 1/2/80") has 10 characters.
  if (text.length < 10) return;
  DOB_LABEL.lastIndex = 0;
  for (let m = DOB_LABEL.exec(text); m !== null; m = DOB_LABEL.exec(text)) {
    const start = m.index + m[0].length;
    const end = dateAt(text, start);
    if (end !== -1) push(out, start, end, 0.9);
  }
}

/** End of a plausible birth date starting exactly at `start`, or -1. */
function dateAt(text: string, start: number): number {
  for (const form of DATE_FORMS) {
    form.lastIndex = start;
    const m = form.exec(text);
    if (m === null) continue;
    if (plausibleYear(m)) return start + m[0].length;
  }
  return -1;
}

/** A year a living person was born in, and a month/day pair that exists (either order). */
function plausibleYear(m: RegExpExecArray): boolean {
  const { y = '', a, b = '' } = m.groups ?? {};
  const year = Number(y);
  if (y.length === 4 && (year < 1900 || year > 2100)) return false;
  const day = Number(b);
  if (a === undefined) return day >= 1 && day <= 31;
  const first = Number(a);
  return isMonthDay(first, day) || isMonthDay(day, first);
}

function isMonthDay(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

function push(out: MatchSink, start: number, end: number, confidence: number): void {
  out.push({ detector: 'dob', start, end, confidence });
}
