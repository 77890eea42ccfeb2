import { ShieldAlert } from 'lucide-react';

export interface Finding {
  detector: string;
  where: 'args' | 'result';
  path: string;
  count: number;
}

type ResultEffect = 'ALLOW' | 'REDACT' | 'BLOCK' | 'REVIEW';

const EFFECT_LABEL: Record<Exclude<ResultEffect, 'ALLOW'>, string> = {
  REDACT: 'result redacted',
  BLOCK: 'result withheld',
  REVIEW: 'result held for review',
};

/**
 * What DLP found in a call, as chips: detector, where (arguments or result) and how many — never
 * the value. Hovering a chip shows the JSON pointers it was found at.
 */
export function FindingChips({
  findings,
  resultEffect,
  argsRedacted,
}: {
  findings?: Finding[];
  resultEffect?: ResultEffect;
  /** A REDACT rule ran the tool with the masked arguments. */
  argsRedacted?: boolean;
}) {
  const groups = new Map<string, { detector: string; where: Finding['where']; count: number; paths: string[] }>();
  for (const f of findings ?? []) {
    const key = `${f.where}:${f.detector}`;
    const g = groups.get(key) ?? { detector: f.detector, where: f.where, count: 0, paths: [] };
    g.count += f.count;
    g.paths.push(f.path || '(the whole value)');
    groups.set(key, g);
  }
  const effect = resultEffect && resultEffect !== 'ALLOW' ? EFFECT_LABEL[resultEffect] : undefined;
  const effects = [...(argsRedacted ? ['args redacted'] : []), ...(effect ? [effect] : [])];
  if (groups.size === 0 && effects.length === 0) return null;
  return (
    <ul className="mt-1 flex flex-wrap gap-1" aria-label="Sensitive data found" data-testid="finding-chips">
      {[...groups.values()].map((g) => (
        <li
          key={`${g.where}:${g.detector}`}
          data-testid="finding-chip"
          data-detector={g.detector}
          title={`${g.detector} in the ${g.where === 'args' ? 'arguments' : 'result'} at ${g.paths.join(', ')}`}
          className="inline-flex items-center gap-1 rounded-full bg-review-soft px-2 py-0.5 text-xs font-semibold text-review dark:bg-amber-950 dark:text-amber-300"
        >
          <ShieldAlert className="size-3" aria-hidden />
          {g.detector}
          {g.count > 1 && ` ×${g.count}`}
          <span className="font-normal">{g.where === 'args' ? 'in args' : 'in result'}</span>
        </li>
      ))}
      {effects.map((label) => (
        <li
          key={label}
          data-testid={label === 'args redacted' ? 'args-effect' : 'result-effect'}
          className="inline-flex items-center rounded-full bg-neutral-100 px-2 py-0.5 text-xs font-semibold dark:bg-neutral-800"
        >
          {label}
        </li>
      ))}
    </ul>
  );
}

/** Detectors and categories Activity filters by (the server accepts any detector name). */
export const DETECTOR_FILTERS = [
  ['pii', 'Any personal data'],
  ['financial', 'Any financial data'],
  ['secret', 'Any secret'],
  ['ssn', 'SSN'],
  ['card', 'Card number'],
  ['iban', 'IBAN'],
  ['routing', 'Routing number'],
  ['email', 'E-mail'],
  ['phone', 'Phone'],
  ['dob', 'Date of birth'],
] as const;
