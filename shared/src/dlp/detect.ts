import { findCustom, type CustomDetector } from './custom/customDetector';
import { findCards } from './detectors/card';
import { findDobs } from './detectors/dob';
import { findEmails } from './detectors/email';
import { findIbans } from './detectors/iban';
import { findPhones } from './detectors/phone';
import { findRoutingNumbers } from './detectors/routing';
import { findSecrets } from './detectors/secrets';
import { findSsns } from './detectors/ssn';
import type { KeyContext } from './keys';
import { numericRuns } from './runs';
import { foldForDetection, keptUnits, toOriginalSpan } from './fold';
import { maskText } from './masks';
import { categoryOf, DETECTOR_CATEGORIES, type DlpMatch } from './types';

const DIGIT = /\d/;
const IBAN_HINT = /[A-Za-z]{2}\d{2}/;

/**
 * Every detector over one string, with the field name's context; overlapping matches are
 * resolved in favour of the more confident (then the longer) one. Cheap tests decide which
 * detectors can possibly match, so a string with no digit never meets the numeric ones.
 */
export function detectString(original: string, context: KeyContext, custom: readonly CustomDetector[] = []): DlpMatch[] {
  const text = foldForDetection(original);
  const out = scratch;
  out.length = 0;
  if (text.length >= 4) {
    if (DIGIT.test(text)) {
      const runs = numericRuns(text);
      if (runs.length > 0 || context.ssn) {
        findCards(text, runs, context, out);
        findSsns(text, runs, context, out);
        findRoutingNumbers(text, runs, context, out);
        findPhones(text, runs, context, out);
        findDobs(text, context, out);
        if (IBAN_HINT.test(text)) findIbans(text, out);
      }
    }
    if (text.includes('@')) findEmails(text, out);
    if (text.length >= 8) findSecrets(text, context, out);
  }
  if (custom.length > 0) findCustom(text, custom, out);
  if (out.length === 0) return NONE;
  const matches = out.length > 1 ? resolveOverlaps(out.slice()) : out.slice();
  // Invisible characters were deleted: the matches must cover their span of the original.
  if (text.length !== original.length) {
    const kept = keptUnits(original, text.length);
    for (const m of matches) toOriginalSpan(m, kept, original);
  }
  return matches;
}

// Detectors push into one reused array: most strings match nothing, and then nothing is allocated.
const scratch: DlpMatch[] = [];
const NONE: DlpMatch[] = [];

/**
 * Some detectors, picked by the names a policy asks about (`dlp.found(name)`): detectors and
 * categories, as {@link DlpValue} reads them. Made once per policy version, used per call.
 */
export interface DetectorSelection {
  /** Whether a finding of this detector answers one of the names. */
  readonly wants: (detector: string) => boolean;
  readonly card: boolean;
  readonly ssn: boolean;
  readonly routing: boolean;
  readonly phone: boolean;
  readonly dob: boolean;
  readonly iban: boolean;
  readonly email: boolean;
  readonly secrets: boolean;
  readonly custom: readonly CustomDetector[];
}

/** The detectors whose findings answer `names` (detector or category names). */
export function selectDetectors(names: Iterable<string>, custom: readonly CustomDetector[] = []): DetectorSelection {
  const asked = new Set(names);
  const wants = (detector: string) => asked.has(detector) || asked.has(categoryOf(detector));
  return {
    wants,
    card: wants('card'),
    ssn: wants('ssn'),
    routing: wants('routing'),
    phone: wants('phone'),
    dob: wants('dob'),
    iban: wants('iban'),
    email: wants('email'),
    secrets: DETECTOR_CATEGORIES.secret.some(wants),
    custom: custom.filter((d) => wants(d.name)),
  };
}

/**
 * Whether a selected detector matches `text` — before overlaps are resolved, so `false` means
 * {@link detectString} finds nothing of theirs in it either (resolving overlaps only drops
 * matches). Each detector runs under the same conditions as in `detectString`; the others don't run.
 */
export function matchesSelected(original: string, context: KeyContext, selection: DetectorSelection): boolean {
  const text = foldForDetection(original);
  const out = scratch;
  out.length = 0;
  const s = selection;
  if (text.length >= 4) {
    if ((s.card || s.ssn || s.routing || s.phone || s.dob || s.iban) && DIGIT.test(text)) {
      const runs = numericRuns(text);
      if (runs.length > 0 || context.ssn) {
        if (s.card) findCards(text, runs, context, out);
        if (s.ssn) findSsns(text, runs, context, out);
        if (s.routing) findRoutingNumbers(text, runs, context, out);
        if (s.phone) findPhones(text, runs, context, out);
        if (s.dob) findDobs(text, context, out);
        if (s.iban && IBAN_HINT.test(text)) findIbans(text, out);
      }
    }
    if (s.email && text.includes('@')) findEmails(text, out);
    if (s.secrets && text.length >= 8) findSecrets(text, context, out);
  }
  if (s.custom.length > 0) findCustom(text, s.custom, out);
  let found = false;
  for (const m of out) if (s.wants(m.detector)) found = true;
  out.length = 0;
  return found;
}

function resolveOverlaps(matches: DlpMatch[]): DlpMatch[] {
  matches.sort((a, b) => a.start - b.start || b.confidence - a.confidence || b.end - a.end);
  const kept: DlpMatch[] = [];
  for (const m of matches) {
    const last = kept[kept.length - 1];
    if (last === undefined || m.start >= last.end) {
      kept.push(m);
    } else if (m.confidence > last.confidence) {
      // A more confident match starting inside a weaker one replaces it.
      kept[kept.length - 1] = m;
    }
  }
  return kept;
}

/**
 * The text with each match replaced by its mask, made from the matched part as the detectors read
 * it: invisible characters inside a match go with it, and the mask is plain ASCII.
 */
export function applyMasks(text: string, matches: readonly DlpMatch[]): string {
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + maskText(m.detector, foldForDetection(text.slice(m.start, m.end)));
    at = m.end;
  }
  return out + text.slice(at);
}
