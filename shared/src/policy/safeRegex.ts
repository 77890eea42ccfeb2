import { RE2JS } from 're2js';
import type { ASTNode, Environment } from '@marcbachmann/cel-js';

/**
 * `matches()` runs over agent-controlled arguments on every decision, so it must never backtrack:
 * JavaScript's RegExp can take exponential time on `(a+)+$`, and even quadratic patterns such as
 * `\d+x` stall the server for seconds on a 64 KiB argument. CEL specifies RE2 syntax for
 * `matches()`, and RE2 matches in time linear in the input whatever the pattern, so policies run
 * their patterns on RE2 (`re2js`, a pure-JS port) instead of the interpreter's RegExp: no shape
 * rules to get around, only RE2's own syntax (no backreferences or lookarounds; counted repeats up
 * to 1000).
 */

const MAX_PATTERN = 200;
/** Compiled patterns by source; patterns are literals of saved policies, so few. */
const MAX_CACHED = 1000;
const compiled = new Map<string, RE2JS>();

/** Why a pattern is refused (not valid RE2, too long, or too big compiled), or undefined when it can run. */
export function unsafeRegexReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN) return `longer than ${MAX_PATTERN} characters`;
  try {
    const size = RE2JS.compile(pattern).programSize();
    if (size > MAX_PROGRAM_SIZE)
      return `compiles to ${size} RE2 instructions, more than ${MAX_PROGRAM_SIZE} (large counted repeats such as {999} multiply it); the time to match grows with it`;
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `not a valid RE2 pattern (${message.replace(/^error parsing regexp: /, '')})`;
  }
}

/**
 * Work `matches()` may do per evaluation, in RE2 program instructions × characters. RE2 is linear
 * in the text, but its constant is the pattern's program size: re2js steps up to one thread per
 * instruction per character, ~80 ns a step here, so `(?i)[a-z]{999}z` over 64 KiB took 3.6 s (an
 * attack review). 2 M steps is ≤ ~0.2 s in the worst case, and ordinary patterns (size 10–60)
 * still read 30–200 KB of text. Past it `matches()` throws, so its rule fails closed (BLOCK, or
 * REVIEW) rather than the server stalling.
 */
export const MATCH_WORK_BUDGET = 2_000_000;
/** Largest compiled pattern a policy may use (RE2 program instructions). */
export const MAX_PROGRAM_SIZE = 400;
let budget = MATCH_WORK_BUDGET;

/** Starts a new evaluation's `matches()` budget (policy, result or governance rule). */
export function resetMatchBudget(): void {
  budget = MATCH_WORK_BUDGET;
}

function compiledPattern(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    if (compiled.size >= MAX_CACHED) compiled.clear();
    re = RE2JS.compile(pattern);
    compiled.set(pattern, re);
  }
  return re;
}

/** CEL's `s.matches(pattern)`: whether RE2 finds the pattern anywhere in `s`, within the budget. */
export function re2Matches(text: string, pattern: string): boolean {
  const re = compiledPattern(pattern);
  const work = re.programSize() * text.length;
  if (work > budget) {
    budget = 0;
    throw new Error(
      `matches() over ${text.length} characters with a pattern of ${re.programSize()} instructions is more than one decision may spend on patterns; the rule fails closed`,
    );
  }
  budget -= work;
  return re.matcher(text).find();
}

/** What `matches` is renamed to in a checked program, bound to {@link re2Matches}. */
export const RE2_MATCHES = 'aegis_re2_matches';

/** Gives an environment the RE2 `matches` that {@link routeMatchesToRe2} points programs at. */
export function registerRe2Matches(env: Environment): void {
  env.registerFunction({
    name: RE2_MATCHES,
    receiverType: 'string',
    returnType: 'bool',
    params: [{ name: 'pattern', type: 'string' }],
    description: 'string.matches(pattern), on RE2',
    handler: (text: unknown, pattern: unknown) => re2Matches(text as string, pattern as string),
  });
}

/**
 * Points every `x.matches(p)` of a freshly parsed (not yet checked) program at the RE2 function.
 * cel-js's own `matches` can't be replaced (its overloads are fixed), so the call is renamed in
 * the syntax tree, after the original was checked, so error messages still say `matches`.
 */
export function routeMatchesToRe2(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) routeMatchesToRe2(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  if (!('op' in node)) {
    // a map entry, a comprehension's parts…: whatever holds nodes
    routeMatchesToRe2(Object.values(node));
    return;
  }
  const ast = node as ASTNode;
  if (ast.op === 'rcall' && ast.args[0] === 'matches') (ast.args as unknown[])[0] = RE2_MATCHES;
  // One child (`!x`, `-x`) is a node itself, several are an array.
  routeMatchesToRe2(ast.args);
}
