import type { ASTNode, Environment } from '@marcbachmann/cel-js';
import { resetMatchBudget } from './safeRegex';

/**
 * Bounds on the work of comprehensions (`exists`, `all`, `exists_one`, `map`, `filter`).
 *
 * Conditions run on the server's event loop: while one evaluates, every other request waits. A
 * loop inside a loop multiplies: five `exists()` nested over literal lists of 35 took 52 M
 * evaluations (~6 s) in a 671-byte draft a viewer could try (review 6). Two guards:
 *
 * - when a condition is compiled (save, trial, load), the product of the literal lists' sizes
 *   along any nesting chain must stay within {@link MAX_NESTED_LITERAL_ITERATIONS} (and, as
 *   before, a loop over data may not sit inside another loop over data);
 * - when it runs, every comprehension is charged, before it starts, its number of elements times
 *   the size of its body, against {@link LOOP_STEP_BUDGET} per evaluation. Past it the condition
 *   is an error, so its rule fails closed (BLOCK, or REVIEW) rather than the server stalling.
 *
 * Concatenation needs no loop to multiply: `args.l + args.l + … + args.l`, 60 terms over a
 * 30,000-element argument, copies 55 M elements (each `+` copies both sides) — 7 s of a stalled
 * server from one 548-character draft a viewer tried (review 11). So every term of a `+` is
 * charged, before the `+` runs, its size times the number of `+`s that copy it (its depth in the
 * `+` tree), against the same budget.
 */

/** Most times nested loops over literal lists may run their innermost body (compile time). */
export const MAX_NESTED_LITERAL_ITERATIONS = 10_000;

/**
 * Syntax-tree nodes the comprehensions of one evaluation may run, summed over the policy's rules
 * (loop elements × nodes in the loop's body). A node is ~50–150 ns here, so the worst case is
 * ≲ 0.3 s; a rule looping over a 10 000-element argument with a 20-node body spends 200 000.
 */
export const LOOP_STEP_BUDGET = 2_000_000;

/** The function every comprehension's list is passed through in a runnable program. */
export const LOOP_BUDGET_FUNCTION = 'aegis_loop';

/** The function every term of a `+` is passed through in a runnable program (charges its copies). */
export const SUM_BUDGET_FUNCTION = 'aegis_sum';

/** A condition that ran out of its loop budget; its rule fails closed. */
export class LoopBudgetError extends Error {
  override name = 'LoopBudgetError';
}

let remaining = LOOP_STEP_BUDGET;
let exhausted = false;

/** Starts a new evaluation's budgets, for loops and for `matches()` (policy, result or governance rule). */
export function resetEvaluationBudget(): void {
  remaining = LOOP_STEP_BUDGET;
  exhausted = false;
  resetMatchBudget();
}

/** Whether this evaluation has run out of loop budget (a rule may have absorbed the error). */
export function loopBudgetExhausted(): boolean {
  return exhausted;
}

/** The error a rule reports when its evaluation ran out of loop budget. */
export function loopBudgetError(): LoopBudgetError {
  return new LoopBudgetError(
    `the condition's loops would run more than ${LOOP_STEP_BUDGET} steps in one decision (elements × the size of each loop's body; list elements × the \`+\`s that copy them); the rule fails closed`,
  );
}

function sizeOf(items: unknown): number {
  if (Array.isArray(items)) return items.length;
  if (items instanceof Map || items instanceof Set) return items.size;
  if (typeof items === 'object' && items !== null) return Object.keys(items).length;
  return 0; // not iterable: the comprehension itself reports it
}

/** Charges a comprehension's work before it runs; throws once the evaluation's budget is spent. */
function charge(items: unknown, weight: unknown): unknown {
  const cost = sizeOf(items) * Math.max(1, Number(weight));
  if (exhausted || cost > remaining) {
    exhausted = true;
    remaining = 0;
    throw loopBudgetError();
  }
  remaining -= cost;
  return items;
}

/**
 * Charges, before a `+` chain runs, one of its terms: a list's elements times the `+`s that will
 * copy them (bytes by the 64; strings are joined without a copy, so charged nothing).
 */
function chargeSum(value: unknown, copies: unknown): unknown {
  const size = Array.isArray(value)
    ? value.length
    : value instanceof Uint8Array
      ? value.length >> 6
      : 0;
  const cost = size * Math.max(1, Number(copies));
  if (cost === 0) return value;
  if (exhausted || cost > remaining) {
    exhausted = true;
    remaining = 0;
    throw loopBudgetError();
  }
  remaining -= cost;
  return value;
}

/** Gives an environment the `aegis_loop(items, weight)` and `aegis_sum(value)` that {@link withLoopBudget} inserts. */
export function registerLoopBudget(env: Environment): void {
  const description = 'charges a comprehension to the evaluation budget (inserted by Aegis)';
  const weight = { name: 'weight', type: 'int' };
  env.registerFunction({
    name: LOOP_BUDGET_FUNCTION,
    params: [{ name: 'items', type: 'list<A>' }, weight],
    returnType: 'list<A>',
    description,
    handler: charge,
  });
  env.registerFunction({
    name: LOOP_BUDGET_FUNCTION,
    params: [{ name: 'items', type: 'map<K, V>' }, weight],
    returnType: 'map<K, V>',
    description,
    handler: charge,
  });
  env.registerFunction({
    name: SUM_BUDGET_FUNCTION,
    params: [
      { name: 'value', type: 'A' },
      { name: 'copies', type: 'int' },
    ],
    returnType: 'A',
    description:
      'charges a term of a concatenation, times the copies made of it, to the evaluation budget (inserted by Aegis)',
    handler: chargeSum,
  });
}

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Whether a node is a comprehension (a macro over its receiver). */
export function isComprehension(node: ASTNode): node is Extract<ASTNode, { op: 'rcall' }> {
  return node.op === 'rcall' && COMPREHENSIONS.has(node.args[0]);
}

function nodeCount(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, item) => n + nodeCount(item), 0);
  if (typeof node !== 'object' || node === null) return 0;
  if (!('op' in node)) return nodeCount(Object.values(node));
  return 1 + nodeCount((node as ASTNode).args);
}

/**
 * The condition's text with each comprehension's list wrapped as `aegis_loop(list, weight)`,
 * weight being the size of the loop's body, and each term of a `+` as `aegis_sum(term, copies)`,
 * copies being how many `+`s above it copy its elements. Rewritten as text (cel-js has no public
 * way to build nodes) at the nodes' ranges; a function call's comma binds loosest, so the wrapped
 * expression means what it did. Terms are wrapped rather than each `+`: the charge comes before
 * the copying, and a chain of 100 `+`s does not become 100 nested calls. `ast` is the parse of `expr`.
 */
export function withLoopBudget(expr: string, ast: ASTNode): string {
  const inserts: { at: number; text: string; closing: boolean; span: number }[] = [];
  const wrap = (node: ASTNode, open: string, close: string) => {
    const span = node.range.end - node.range.start;
    inserts.push({ at: node.range.start, text: open, closing: false, span });
    inserts.push({ at: node.range.end, text: close, closing: true, span });
  };
  const visit = (node: unknown, copies: number): void => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, 0));
    if (typeof node !== 'object' || node === null) return;
    if (!('op' in node)) return visit(Object.values(node), 0);
    const ast = node as ASTNode;
    if (ast.op === '+') {
      // Each term is copied once by every `+` on its way up the chain.
      for (const term of ast.args as ASTNode[]) visit(term, copies + 1);
      return;
    }
    if (copies > 0) wrap(ast, `${SUM_BUDGET_FUNCTION}(`, `, ${copies})`);
    if (isComprehension(ast)) {
      const [, receiver, body] = ast.args;
      wrap(receiver, `${LOOP_BUDGET_FUNCTION}(`, `, ${1 + nodeCount(body)})`);
    }
    visit(ast.args, 0);
  };
  visit(ast, 0);
  // From the end, so earlier offsets stay valid. At one offset a call that ends there closes
  // before one that starts there opens; of two that open there the outer (longer) one is written
  // last, so it comes first, and of two that close there the inner one, so it comes first.
  inserts.sort(
    (a, b) =>
      b.at - a.at ||
      Number(a.closing) - Number(b.closing) ||
      (a.closing ? b.span - a.span : a.span - b.span),
  );
  let out = expr;
  for (const { at, text } of inserts) out = out.slice(0, at) + text + out.slice(at);
  return out;
}
