import { z } from 'zod';

/**
 * The built-in detectors, by category. A category name works wherever a detector name does
 * (`dlp.found('secret')` is true for any kind of secret), so policies can stay coarse.
 */
export const DETECTOR_CATEGORIES = {
  pii: ['ssn', 'dob', 'email', 'phone'],
  financial: ['card', 'iban', 'routing'],
  secret: [
    'aws_access_key',
    'github_token',
    'gitlab_token',
    'slack_token',
    'google_api_key',
    'openai_key',
    'stripe_key',
    'private_key',
    'jwt',
    'aegis_key',
    'generic_secret',
  ],
} as const;

export type DetectorCategory = keyof typeof DETECTOR_CATEGORIES;
export type BuiltinDetector = (typeof DETECTOR_CATEGORIES)[DetectorCategory][number];

export const BUILTIN_DETECTORS: readonly BuiltinDetector[] = Object.values(DETECTOR_CATEGORIES).flat();

/** Category of a built-in detector; custom detectors are in the `custom` category. */
export function categoryOf(detector: string): DetectorCategory | 'custom' {
  return CATEGORY_OF.get(detector) ?? 'custom';
}

// Looked up per finding on every decision that has any: a map, not a scan of the lists.
const CATEGORY_OF: ReadonlyMap<string, DetectorCategory> = new Map(
  Object.entries(DETECTOR_CATEGORIES).flatMap(([category, members]) =>
    members.map((m) => [m, category as DetectorCategory] as const),
  ),
);

/**
 * One kind of sensitive data found at one place: what and where, never the value itself, so it
 * can sit on an audit entry, in a log line or in front of a viewer.
 */
/**
 * What every detector is called, built-in or custom (lower case, digits, "_"): findings arrive
 * from SDKs, and their detector names become field names of the analytics counters, where a
 * dot, a `$` or a NUL would name another counter or fail the write (and every rebuild after it).
 */
export const DETECTOR_NAME = /^[a-z][a-z0-9_]{1,39}$/;

/** Whether `name` can be a detector's name (findings with any other are not counted anywhere). */
export const isDetectorName = (name: string): boolean => DETECTOR_NAME.test(name);

export const scanFinding = z.object({
  detector: z
    .string()
    .regex(DETECTOR_NAME, 'a detector name: lower-case letters, digits and "_", starting with a letter, 2–40 characters')
    .describe('Which detector matched, e.g. "card", "ssn", "github_token"'),
  path: z
    .string()
    .max(2048)
    .describe('JSON pointer (RFC 6901) of the value that matched; "" is the whole value. Sensitive keys are masked'),
  count: z.number().int().positive().describe('How many matches in that value'),
  confidence: z.number().min(0).max(1).describe('0–1: checksum-validated matches ≈ 0.95+, shape or context only lower'),
});
export type ScanFinding = z.infer<typeof scanFinding>;

/** A finding on a call, tagged with the side it was found on: the arguments or the result. */
export const callFinding = scanFinding.extend({
  where: z.enum(['args', 'result']).describe('"args": in the arguments (scanned before the decision); "result": in what the tool returned'),
});
export type CallFinding = z.infer<typeof callFinding>;

/** Tags findings with the side they were found on. */
export function tagFindings(where: CallFinding['where'], findings: readonly ScanFinding[]): CallFinding[] {
  return findings.map((f) => ({ ...f, where }));
}

/** A match inside one string, before it is reduced to a finding. Internal: it has offsets. */
export interface DlpMatch {
  detector: string;
  start: number;
  end: number;
  confidence: number;
}

/** Collects matches; detectors push into it rather than allocating arrays per call. */
export type MatchSink = DlpMatch[];
