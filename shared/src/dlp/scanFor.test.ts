/**
 * `scanValueFor`: a policy that asks only about some detectors (`dlp.found('secret')`) may scan
 * with just those first. What it gets must agree with the full scan on every detector it asks
 * about — found where the full scan finds them, and nowhere else — over the labelled corpus, over
 * texts glued together so matches of different detectors overlap, and under the findings cap.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateCustomDetector, type CustomDetector } from './custom/customDetector';
import { selectDetectors } from './detect';
import { scanValue, scanValueFor, type ScanOptions } from './scan';
import { BUILTIN_DETECTORS, DETECTOR_CATEGORIES, type ScanFinding } from './types';

interface Case {
  text: string;
  key?: string;
}
const corpus = JSON.parse(
  readFileSync(new URL('./corpus/corpus.json', import.meta.url), 'utf8'),
) as Case[];

const employeeId = validateCustomDetector({ name: 'employee_id', pattern: 'EMP-\\d{6}' });
if (!employeeId.ok) throw new Error(employeeId.error);
const custom: CustomDetector[] = [employeeId.detector];

/** Every name a policy could ask about, one at a time, and a few together. */
const ASKED: string[][] = [
  ...BUILTIN_DETECTORS.map((d) => [d]),
  ...Object.keys(DETECTOR_CATEGORIES).map((c) => [c]),
  ['custom'],
  ['employee_id'],
  ['no_such_detector'],
  ['secret', 'card'],
  ['pii', 'iban', 'employee_id'],
];

/** The findings of the asked-about detectors, as `dlp.found` sees them. */
function asked(findings: readonly ScanFinding[], names: string[]): ScanFinding[] {
  const { wants } = selectDetectors(names, custom);
  return findings.filter((f) => wants(f.detector));
}

function expectAgreement(value: unknown, options: ScanOptions = {}): void {
  const full = scanValue(value, { custom, ...options });
  for (const names of ASKED) {
    const some = scanValueFor(value, selectDetectors(names, custom), { custom, ...options });
    expect(
      asked(some, names),
      `${names.join('+')} in ${JSON.stringify(value).slice(0, 200)}`,
    ).toEqual(asked(full, names));
  }
}

const valueOf = (c: Case) => (c.key === undefined ? { text: c.text } : { [c.key]: c.text });

describe('scanValueFor', () => {
  it('agrees with the full scan on the asked-about detectors, over the whole corpus', () => {
    for (const c of corpus) expectAgreement(valueOf(c));
  });

  it('agrees where matches of different detectors overlap (corpus texts glued together)', () => {
    const texts = corpus.map((c) => c.text);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...texts), { minLength: 2, maxLength: 4 }),
        fc.constantFrom('', ' ', '-', '=', ':', '@', 'EMP-'),
        fc.option(fc.constantFrom(...corpus.flatMap((c) => (c.key ? [c.key] : [])))),
        (parts, glue, key) =>
          expectAgreement({ [key ?? 'note']: parts.join(glue), other: parts[0] }),
      ),
      { numRuns: 1500, seed: 15 },
    );
  });

  it('agrees when the findings cap or the size limit cuts the full scan short', () => {
    const rows = corpus.slice(0, 400).map(valueOf);
    expectAgreement(rows, { maxFindings: 5 });
    expectAgreement(rows, { maxChars: 3000 });
    expectAgreement({
      keys: Object.fromEntries(corpus.slice(0, 50).map((c, i) => [`${c.text}`, i])),
    });
  });

  it('runs the full scan only when an asked-about detector matches', () => {
    const args = { note: 'Card on file 4111 1111 1111 1111, contact maria.garcia@example.com' };
    expect(scanValueFor(args, selectDetectors(['secret']))).toEqual([]);
    expect(scanValueFor(args, selectDetectors(['financial']))).toEqual(scanValue(args));
  });
});
