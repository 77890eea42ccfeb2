import { z } from 'zod';
import { BUILTIN_DETECTORS, DETECTOR_CATEGORIES, type MatchSink } from '../types';
import { checkPatternShape, UnsafePatternError } from './regexShape';

const RESERVED = new Set<string>([
  ...BUILTIN_DETECTORS,
  ...Object.keys(DETECTOR_CATEGORIES),
  'custom',
  // Names that are also members of every JavaScript object: a fact table keyed by them would
  // answer for detectors that never ran.
  ...Object.getOwnPropertyNames(Object.prototype),
]);

/** A detector declared in policy: a name and a regular expression. */
export const customDetectorSpec = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,39}$/, 'lower-case letters, digits and "_", starting with a letter, 2–40 characters')
    .refine((name) => !RESERVED.has(name), { message: 'that name belongs to a built-in detector or category' })
    .describe('What findings of this detector are called, e.g. "employee_id"'),
  pattern: z.string().min(1).max(512).describe('JavaScript regular expression (Unicode mode), without slashes'),
  flags: z
    .string()
    .regex(/^(?!.*(.).*\1)[ims]*$/, 'only the flags i, m and s, each at most once')
    .optional()
    .describe('Regular-expression flags: i (ignore case), m (multi-line), s (dot matches newlines)'),
  confidence: z.number().min(0).max(1).optional().describe('Confidence of its findings (default 0.9)'),
});
export type CustomDetectorSpec = z.infer<typeof customDetectorSpec>;

/** A validated, compiled custom detector; build it with {@link validateCustomDetector}. */
export interface CustomDetector {
  readonly name: string;
  readonly confidence: number;
  readonly regex: RegExp;
  /** What it was declared as (sent to the SDK, which compiles it again). */
  readonly spec: CustomDetectorSpec;
}

export type CustomDetectorValidation =
  | { ok: true; detector: CustomDetector }
  | { ok: false; error: string };

/**
 * Validates a detector declared in policy, for the policy-save path: a clear message when the
 * name, flags or pattern are wrong, or when the pattern could backtrack catastrophically.
 *
 * @example
 * ```ts
 * validateCustomDetector({ name: 'employee_id', pattern: 'EMP-\\d{6}' }); // { ok: true, detector }
 * validateCustomDetector({ name: 'x', pattern: '(a+)+$' });
 * // { ok: false, error: 'custom detector "x": pattern (a+)+$: two variable-length parts …' }
 * ```
 */
export function validateCustomDetector(input: unknown): CustomDetectorValidation {
  const parsed = customDetectorSpec.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'detector';
    const name = typeof (input as { name?: unknown })?.name === 'string' ? ` "${(input as { name: string }).name}"` : '';
    return { ok: false, error: `custom detector${name}: ${where}: ${issue?.message ?? 'invalid'}` };
  }
  const spec = parsed.data;
  const flags = spec.flags ?? '';
  try {
    const source = checkPatternShape(spec.pattern, flags);
    const regex = new RegExp(source, `gu${flags}`);
    if (regex.test('')) {
      return { ok: false, error: `custom detector "${spec.name}": pattern ${spec.pattern} matches the empty string` };
    }
    return { ok: true, detector: { name: spec.name, confidence: spec.confidence ?? 0.9, regex, spec } };
  } catch (error) {
    const reason = error instanceof UnsafePatternError || error instanceof SyntaxError ? error.message : String(error);
    return { ok: false, error: `custom detector "${spec.name}": pattern ${spec.pattern}: ${reason}` };
  }
}

/** Compiles specs already validated (e.g. loaded from a saved policy); throws on a bad one. */
export function compileCustomDetectors(specs: readonly CustomDetectorSpec[]): CustomDetector[] {
  return specs.map((spec) => {
    const result = validateCustomDetector(spec);
    if (!result.ok) throw new Error(result.error);
    return result.detector;
  });
}

export function findCustom(text: string, detectors: readonly CustomDetector[], out: MatchSink): void {
  for (const { name, confidence, regex } of detectors) {
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      if (m[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      out.push({ detector: name, start: m.index, end: m.index + m[0].length, confidence });
    }
  }
}
