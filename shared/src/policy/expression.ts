import { evaluate, type ASTNode, type ParseResult } from '@marcbachmann/cel-js';
import { durationMs, policyEnvironment, runnableEnvironment } from './celEnvironment';
import { emptyNeeds, type FactNeeds, type HistoryQuery } from './facts';
import { isValidTimeZone } from './timeZone';
import { RE2_MATCHES, routeMatchesToRe2, unsafeRegexReason } from './safeRegex';
import { FALLBACK, fastCondition, type FastCondition } from './fastCondition';
import {
  LOOP_BUDGET_FUNCTION,
  SUM_BUDGET_FUNCTION,
  MAX_NESTED_LITERAL_ITERATIONS,
  isComprehension,
  loopBudgetError,
  loopBudgetExhausted,
  withLoopBudget,
} from './loopBudget';

/**
 * Compiles one `when` condition: parse, type-check, and the checks CEL itself does not make —
 * fact queries with literal arguments (so the server can prefetch them), bounded cost, safe regexes.
 */

/** A problem in an expression, located by character offsets into it. */
export interface ExpressionProblem {
  message: string;
  start: number;
  end: number;
}

export type CompiledExpression =
  | { ok: true; program: ParseResult; needs: FactNeeds; fast: FastCondition | null }
  | { ok: false; problems: ExpressionProblem[] };

const MAX_WINDOW_MS = 31 * 24 * 3_600_000;
const ACTION_NAME = /^[A-Za-z0-9_.:/-]{1,128}$/;
const FIELD_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

interface ErrorWithRange {
  message: string;
  summary?: string;
  range?: { start: number; end: number };
}

/**
 * How Aegis's own functions are called, added to the type checker's "no matching overload for
 * 'aegis.History.count(string, string)'": that names the mismatch, not what would fit.
 */
const CALL_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/'aegis\.History\.count\(/, "history.count takes an action and a window: history.count('issue_refund', duration('1h'))"],
  [/'aegis\.History\.sum\(/, "history.sum takes an action, an argument's name and a window: history.sum('transfer_funds', 'amount', duration('10m'))"],
  [/'aegis\.Dlp\.found\(/, "dlp.found takes a detector or category name: dlp.found('card')"],
  [/'aegis\.Dlp\.foundIn\(/, "dlp.foundIn takes where ('args' or 'result') and a name: dlp.foundIn('args', 'ssn')"],
];

function fromLibraryError(e: unknown, exprLength: number): ExpressionProblem {
  const err = e as ErrorWithRange;
  const text = err.summary ?? err.message.split('\n')[0] ?? String(e);
  const hint = text.startsWith('found no matching overload') ? CALL_HINTS.find(([re]) => re.test(text))?.[1] : undefined;
  const message = hint ? `${text}. ${hint}` : text;
  return { message, start: err.range?.start ?? 0, end: err.range?.end ?? exprLength };
}

// Compiled conditions by their text. A new policy version usually changes a rule or two: its
// other conditions (and every agent's copy of a shared one) are not parsed and checked again.
// The result depends on the text alone (the environment is fixed), and a program is a pure
// function of its bindings, so one compiled condition serves every rule that has that text.
const MAX_CACHED_EXPRESSIONS = 20_000;
const compiledByText = new Map<string, CompiledExpression>();

/** Parses, type-checks and vets one condition (cached by its text). */
export function compileExpression(expr: string): CompiledExpression {
  const cached = compiledByText.get(expr);
  if (cached) return cached;
  const compiled = compileUncached(expr);
  // Shared between rules: frozen so no caller can change another rule's needs.
  if (compiled.ok) {
    Object.freeze(compiled.needs.history);
    Object.freeze(compiled.needs.sessionTags);
    Object.freeze(compiled.needs.anomalyActions);
    Object.freeze(compiled.needs);
  }
  if (compiledByText.size >= MAX_CACHED_EXPRESSIONS) compiledByText.clear();
  compiledByText.set(expr, compiled);
  return compiled;
}

function compileUncached(expr: string): CompiledExpression {
  let program: ParseResult;
  try {
    program = policyEnvironment().parse(expr);
  } catch (e) {
    return { ok: false, problems: [fromLibraryError(e, expr.length)] };
  }
  const checked = program.check();
  if (!checked.valid) return { ok: false, problems: [fromLibraryError(checked.error, expr.length)] };
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return {
      ok: false,
      problems: [{ message: `a condition must be true or false; this one gives ${checked.type}`, start: 0, end: expr.length }],
    };
  }
  const problems: ExpressionProblem[] = [];
  const needs = emptyNeeds();
  walk(program.ast, OUTSIDE_LOOPS, needs, problems);
  if (problems.length) return { ok: false, problems };
  // Checked as written; run with `matches` on RE2 (see safeRegex.ts) and loops charged to the
  // evaluation's budget (see loopBudget.ts).
  const runnable = runnableEnvironment().parse(withLoopBudget(expr, program.ast));
  routeMatchesToRe2(runnable.ast);
  const recheck = runnable.check();
  if (!recheck.valid) return { ok: false, problems: [fromLibraryError(recheck.error, expr.length)] };
  return { ok: true, program: runnable, needs, fast: fastCondition(runnable.ast) };
}

/**
 * A condition's value for these bindings: its faster path when that answers, else the
 * interpreter (which also raises every error a condition can give). Running out of loop budget is
 * an error even where CEL would absorb it (`exists` over the other elements, `||`): the rule
 * then says why it failed closed.
 */
export function conditionValue(
  rule: { program?: ParseResult; fast?: FastCondition | null },
  vars: Readonly<Record<string, unknown>>,
): unknown {
  const quick = rule.fast?.(vars) ?? FALLBACK;
  if (quick !== FALLBACK) return quick;
  const spentBefore = loopBudgetExhausted();
  const value: unknown = rule.program!(vars);
  if (!spentBefore && loopBudgetExhausted()) throw loopBudgetError();
  return value;
}

function literalString(node: ASTNode | undefined): string | undefined {
  return node?.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

/** `duration("1h")` with a literal → milliseconds; anything else → undefined. */
function literalDuration(node: ASTNode | undefined): number | undefined {
  if (node?.op !== 'call' || node.args[0] !== 'duration' || node.args[1].length !== 1) return undefined;
  const text = literalString(node.args[1][0]);
  if (text === undefined) return undefined;
  try {
    return durationMs(evaluate(`duration(${JSON.stringify(text)})`) as { seconds: bigint; nanos: number });
  } catch {
    return Number.NaN; // not a duration CEL understands (e.g. "90d"): reported by the caller
  }
}

/** The loops a node sits in: how many over data, and how often the literal ones run it. */
interface Nesting {
  dataLoops: number;
  literalIterations: number;
}

const OUTSIDE_LOOPS: Nesting = { dataLoops: 0, literalIterations: 1 };

/** How many elements a literal list or map has, or undefined for any other expression. */
function literalSize(node: ASTNode): number | undefined {
  return node.op === 'list' || node.op === 'map' ? node.args.length : undefined;
}

/**
 * The nesting inside a comprehension's body. Loops over data may not nest (their cost is the
 * product of sizes an agent chooses); loops over literal lists may, up to a bound on the product.
 */
function loopBody(name: string, receiver: ASTNode, outer: Nesting, problem: (message: string) => void): Nesting {
  const size = literalSize(receiver);
  if (size === undefined) {
    if (outer.dataLoops >= 1)
      problem(`${name}() inside another loop over data: its cost grows with the product of the sizes; loop over one list, or over a literal list inside`);
    return { ...outer, dataLoops: outer.dataLoops + 1 };
  }
  const iterations = outer.literalIterations * Math.max(1, size);
  if (iterations > MAX_NESTED_LITERAL_ITERATIONS && outer.literalIterations <= MAX_NESTED_LITERAL_ITERATIONS)
    problem(`nested comprehensions would evaluate up to ${iterations} times (the product of the literal lists' sizes); limit ${MAX_NESTED_LITERAL_ITERATIONS}`);
  return { ...outer, literalIterations: iterations };
}

function walk(node: ASTNode, nesting: Nesting, needs: FactNeeds, problems: ExpressionProblem[]): void {
  const problem = (message: string, at: ASTNode = node) => problems.push({ message, start: at.range.start, end: at.range.end });
  if (node.op === 'call' && (node.args[0] === LOOP_BUDGET_FUNCTION || node.args[0] === SUM_BUDGET_FUNCTION))
    problem(`unknown function ${node.args[0]}()`);
  if (node.op === 'id' && ['history', 'session', 'dlp', 'anomaly'].includes(node.args)) {
    // Reached only when the variable is used other than as the receiver of its functions.
    problem(`${node.args} can only be used through its functions, e.g. ${example(node.args)}`);
    return;
  }
  if (node.op === '.' && node.args[0].op === 'id' && node.args[0].args === 'dlp' && node.args[1] === 'count') {
    needs.dlp = true;
    return;
  }
  if (node.op === 'rcall') {
    const [name, receiver, args] = node.args;
    if (receiver.op === 'id' && ['history', 'session', 'dlp', 'anomaly'].includes(receiver.args)) {
      factCall(receiver.args, name, args, node, needs, problem);
      for (const a of args) walk(a, nesting, needs, problems);
      return;
    }
    if (name === RE2_MATCHES) problem(`unknown function ${RE2_MATCHES}(); use matches()`);
    if (name === 'matches') {
      const pattern = literalString(args[0]);
      if (pattern === undefined) problem('matches() needs a literal pattern, so it can be checked when the policy is saved', args[0]);
      else {
        const why = unsafeRegexReason(pattern);
        if (why) problem(`pattern "${pattern}" is refused: ${why}`, args[0]);
      }
    }
    if (name === 'hour' || name === 'weekday') {
      const tz = literalString(args[0]);
      if (tz === undefined) problem(`${name}() needs a literal time zone, e.g. now.${name}("Europe/Paris")`, args[0] ?? node);
      else if (!isValidTimeZone(tz)) problem(`unknown time zone "${tz}" (use an IANA name such as "America/New_York")`, args[0]);
    }
    const inner = isComprehension(node) ? loopBody(name, receiver, nesting, problem) : nesting;
    walk(receiver, nesting, needs, problems);
    for (const a of args) walk(a, inner, needs, problems);
    return;
  }
  for (const child of children(node)) walk(child, nesting, needs, problems);
}

const ORDERING = new Set(['<', '<=', '>', '>=']);
const NUMERIC_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/;

/** Whether a node is text for certain: a string literal or a `string(…)` conversion. */
function surelyText(node: ASTNode): boolean {
  return literalString(node) !== undefined || (node.op === 'call' && node.args[0] === 'string');
}

/**
 * `args.amount > '1000'`: quoted numbers ordered against what is not surely text, with the
 * message to show. An amount is a number at run time, and CEL has no ordering of a number against
 * text — the condition then fails on every call, and the rule fails closed (a BLOCK rule blocks
 * everything, an ALLOW rule sends everything to review). Between two texts ('10' < '9') the order
 * is by characters, which is never what a quoted number means either. Checked when a policy is
 * saved (compile.ts), so a stored policy that has one still loads.
 */
export function quotedNumbersOrdered(node: ASTNode): Array<{ literal: string; message: string }> {
  const found: Array<{ literal: string; message: string }> = [];
  const visit = (n: ASTNode): void => {
    if (ORDERING.has(n.op)) {
      const [left, right] = n.args as unknown as [ASTNode, ASTNode];
      for (const [quoted, other] of [
        [left, right],
        [right, left],
      ] as const) {
        const text = literalString(quoted);
        if (text === undefined || !NUMERIC_TEXT.test(text) || surelyText(other)) continue;
        const number = text.trim().replace(/^\+/, '');
        found.push({
          literal: text,
          message: `'${text}' is text, not a number: ordering a number against it fails on every call (and the rule fails closed); write ${number} without quotes`,
        });
        break;
      }
    }
    for (const child of children(n)) visit(child);
  };
  visit(node);
  return found;
}

function example(variable: string): string {
  switch (variable) {
    case 'history':
      return "history.count('transfer_funds', duration('1h'))";
    case 'session':
      return "session.touched('pii')";
    case 'dlp':
      return "dlp.found('card'), dlp.foundIn('args', 'ssn') or dlp.count";
    default:
      return 'anomaly.score(action)';
  }
}

function factCall(
  variable: string,
  name: string,
  args: ASTNode[],
  node: ASTNode,
  needs: FactNeeds,
  problem: (message: string, at?: ASTNode) => void,
): void {
  if (variable === 'dlp') {
    needs.dlp = true;
    return;
  }
  if (variable === 'session') {
    const tag = literalString(args[0]);
    if (tag === undefined) problem("session.touched() needs a literal tag, e.g. session.touched('pii')", args[0] ?? node);
    else needs.sessionTags.push(tag);
    return;
  }
  if (variable === 'anomaly') {
    const action = literalString(args[0]);
    needs.anomalyActions.push(action ?? '*');
    return;
  }
  // history.count(action, window) / history.sum(action, field, window): the server prefetches
  // exactly these aggregates, so every argument must be known when the policy is saved.
  const action = literalString(args[0]);
  if (action === undefined || !ACTION_NAME.test(action)) {
    problem(`history.${name}() needs a literal action name as its first argument, e.g. 'transfer_funds'`, args[0] ?? node);
    return;
  }
  const field = name === 'sum' ? literalString(args[1]) : undefined;
  if (name === 'sum' && (field === undefined || !FIELD_NAME.test(field))) {
    problem("history.sum() needs a literal argument name as its second argument, e.g. 'amount'", args[1] ?? node);
    return;
  }
  const windowNode = args[name === 'sum' ? 2 : 1];
  const windowMs = literalDuration(windowNode);
  if (windowMs === undefined) {
    problem(`history.${name}() needs a literal window, e.g. duration('1h')`, windowNode ?? node);
    return;
  }
  if (Number.isNaN(windowMs) || windowMs < 1000 || windowMs > MAX_WINDOW_MS) {
    problem('a history window must be a duration between 1s and 31 days, in h, m or s (e.g. "744h")', windowNode);
    return;
  }
  const q: HistoryQuery = name === 'sum' ? { kind: 'sum', action, field: field!, windowMs } : { kind: 'count', action, windowMs };
  needs.history.push(q);
}

/**
 * The names a condition asks `dlp` about — the literal detector or category of each
 * `dlp.found(name)` and `dlp.foundIn(where, name)` — or null when it may depend on any finding
 * (`dlp.count`, a name computed at run time). Empty when it does not read `dlp`.
 */
export function dlpNamesRead(ast: ASTNode): string[] | null {
  const names: string[] = [];
  const visit = (node: ASTNode): boolean => {
    if (node.op === 'rcall') {
      const [name, receiver, args] = node.args;
      if (receiver.op === 'id' && receiver.args === 'dlp') {
        const asked = literalString(name === 'found' ? args[0] : name === 'foundIn' ? args[1] : undefined);
        if (asked === undefined) return false;
        names.push(asked);
        return args.every(visit);
      }
    }
    // Any other use of `dlp` (`dlp.count`): it reads every finding.
    if (node.op === 'id' && node.args === 'dlp') return false;
    const kids = children(node) as ASTNode[] | undefined;
    return kids !== undefined && kids.every(visit);
  };
  return visit(ast) ? names : null;
}

/**
 * Every literal name a condition asks `dlp` about (`dlp.found('card')`, `dlp.foundIn('args',
 * 'ssn')`), wherever it sits — the names a policy can be checked against when it is saved.
 */
export function dlpLiteralNames(ast: ASTNode): string[] {
  const names: string[] = [];
  const visit = (node: ASTNode): void => {
    if (node.op === 'rcall') {
      const [name, receiver, args] = node.args;
      if (receiver.op === 'id' && receiver.args === 'dlp') {
        const asked = literalString(name === 'found' ? args[0] : name === 'foundIn' ? args[1] : undefined);
        if (asked !== undefined) names.push(asked);
      }
    }
    for (const kid of children(node) ?? []) visit(kid);
  };
  visit(ast);
  return names;
}

/** The top-level names a condition reads (`args`, `history`, `dlp`…), in order of first use. */
export function identifiersRead(ast: ASTNode): string[] {
  const seen = new Set<string>();
  const visit = (node: ASTNode): void => {
    if (node.op === 'id' && typeof node.args === 'string') seen.add(node.args);
    for (const kid of children(node) ?? []) visit(kid);
  };
  visit(ast);
  return [...seen];
}

function children(node: ASTNode): ASTNode[] {
  switch (node.op) {
    case 'value':
    case 'id':
      return [];
    case '.':
    case '.?':
      return [node.args[0]];
    case 'call':
      return node.args[1];
    case 'rcall':
      return [node.args[1], ...node.args[2]];
    case 'list':
      return node.args;
    case 'map':
      return node.args.flat();
    case '!_':
    case '-_':
      return [node.args];
    case '?:':
    case '[]':
    case '[?]':
    case '&&':
    case '||':
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case 'in':
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return node.args;
  }
}
