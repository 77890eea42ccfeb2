/**
 * `matches()` in cel-js runs JavaScript's backtracking RegExp over agent-controlled arguments, so
 * a pattern like `(a+)+$` could hang the firewall. Patterns are literals (checked at compile) and
 * must stay in a shape whose matching time is at most quadratic: no nested or alternated repetition,
 * no backreferences or lookarounds, at most two unbounded repeats.
 */

const MAX_PATTERN = 200;
const MAX_UNBOUNDED = 2;

/** Why a pattern is refused, or undefined when it is safe to run. */
export function unsafeRegexReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN) return `longer than ${MAX_PATTERN} characters`;
  try {
    new RegExp(pattern);
  } catch (e) {
    return `not a valid regular expression (${(e as Error).message})`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences can take exponential time';
  if (/\(\?<?[=!]/.test(pattern)) return 'lookarounds are not supported';

  // One pass over the pattern, tracking per open group whether it holds a repeat or an alternation.
  const groups: { repeats: boolean; alternates: boolean }[] = [{ repeats: false, alternates: false }];
  let unbounded = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      i += 1;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    const top = groups[groups.length - 1]!;
    if (ch === '[') inClass = true;
    else if (ch === '(') groups.push({ repeats: false, alternates: false });
    else if (ch === '|') top.alternates = true;
    else if (ch === ')') {
      const closed = groups.pop()!;
      const quantifier = quantifierAt(pattern, i + 1);
      const parent = groups[groups.length - 1]!;
      if (quantifier) {
        if (closed.repeats) return 'a repeated group contains a repeat (nested quantifiers backtrack exponentially)';
        if (closed.alternates) return 'a repeated group contains alternatives (backtracks exponentially)';
      }
      parent.repeats ||= closed.repeats || quantifier !== undefined;
    } else if (ch === '*' || ch === '+' || ch === '{') {
      const q = quantifierAt(pattern, i);
      if (q) {
        top.repeats = true;
        if (q === 'unbounded') unbounded += 1;
      }
    }
  }
  if (unbounded > MAX_UNBOUNDED) return `more than ${MAX_UNBOUNDED} unbounded repeats (*, +, {n,})`;
  return undefined;
}

/** The quantifier starting at `i`, if any. */
function quantifierAt(pattern: string, i: number): 'bounded' | 'unbounded' | undefined {
  const ch = pattern[i];
  if (ch === '*' || ch === '+') return 'unbounded';
  if (ch === '?') return 'bounded';
  if (ch === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (!m) return undefined;
    return m[2] !== undefined && m[3] === '' ? 'unbounded' : 'bounded';
  }
  return undefined;
}
