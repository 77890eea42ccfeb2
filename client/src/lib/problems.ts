import type { RouterOutputs } from './trpc';

export type Problem = RouterOutputs['policies']['applyRules']['problems'][number];

/** How many problems a list shows before "and N more": enough to fix a draft in one pass. */
export const PROBLEM_CAP = 20;

const SECTIONS: Record<string, string> = { rules: 'rule', detectors: 'detector' };

/**
 * Where a problem is, in words a person can find in the draft: `rule 3 “big” › when`,
 * `detector 1 › pattern`, `kind`, or `document` when the problem is about the whole draft.
 * Numbers are 1-based, as a person counts list items.
 */
export function problemWhere(p: Pick<Problem, 'path' | 'ruleId' | 'line'>): string {
  if (isSyntaxProblem(p)) return 'YAML syntax';
  const path = p.path ?? [];
  const [head, index, ...rest] = path;
  const parts: string[] = [];
  if (typeof head === 'string' && SECTIONS[head] && typeof index === 'number') {
    const id = head === 'rules' && p.ruleId ? ` “${p.ruleId}”` : '';
    parts.push(`${SECTIONS[head]} ${index + 1}${id}`);
    parts.push(...rest.map(segment));
  } else if (path.length) {
    parts.push(...path.map(segment));
  } else {
    parts.push(p.ruleId ? `rule “${p.ruleId}”` : 'document');
  }
  return parts.join(' › ');
}

/**
 * A problem of reading the YAML itself (no field, no rule, but a position): while there is one,
 * the server can't check the rules, so their problems are unknown rather than gone.
 */
export function isSyntaxProblem(p: Pick<Problem, 'path' | 'ruleId' | 'line'>): boolean {
  return !p.path?.length && !p.ruleId && p.line !== undefined;
}

/** The status line for a draft that doesn't parse: where, and what that means for the rest. */
export function syntaxSummary(problems: readonly Problem[]): string {
  const first = sortProblems(problems.filter(isSyntaxProblem))[0];
  if (!first) return problemSummary(problems);
  return `YAML syntax error at line ${first.line}, column ${first.column ?? 1}: the rules are checked again once it reads`;
}

const segment = (s: string | number) => (typeof s === 'number' ? `item ${s + 1}` : s);

/** Zod's words for a missing field ("expected array, received undefined") said plainly. */
export function problemMessage(message: string): string {
  const missing = /^Invalid input: expected (.+), received undefined$/.exec(message);
  return missing ? `Missing: add this field (${missing[1]})` : message;
}

/** Document order (whole-draft problems first), so the list reads top to bottom like the draft. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const key = (p: Problem) => [p.line ?? 0, p.column ?? 0] as const;
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const [al, ac] = key(a.p);
      const [bl, bc] = key(b.p);
      return al - bl || ac - bc || a.i - b.i;
    })
    .map(({ p }) => p);
}

/** "4 problems in 3 rules": how much there is to fix, and how spread out. */
export function problemSummary(problems: readonly Problem[]): string {
  const n = problems.length;
  const rules = new Set(
    problems.flatMap((p) =>
      p.path?.[0] === 'rules' && typeof p.path[1] === 'number' ? [p.path[1]] : [],
    ),
  ).size;
  const count = `${n} problem${n === 1 ? '' : 's'}`;
  return rules > 1 ? `${count} in ${rules} rules` : count;
}
