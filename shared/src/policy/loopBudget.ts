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
    `the condition's loops would run more than ${LOOP_STEP_BUDGET} steps in one decision (elements × the size of each loop's body); the rule fails closed`,
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

/** Gives an environment the `aegis_loop(items, weight)` that {@link withLoopBudget} inserts. */
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
 * weight being the size of the loop's body. Rewritten as text (cel-js has no public way to build
 * nodes) at the receivers' ranges; a function call's comma binds loosest, so the wrapped
 * expression means what it did. `ast` is the parse of `expr`.
 */
export function withLoopBudget(expr: string, ast: ASTNode): string {
  const inserts: { at: number; text: string; closing: boolean }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    if (!('op' in node)) return visit(Object.values(node));
    const ast = node as ASTNode;
    if (isComprehension(ast)) {
      const [, receiver, body] = ast.args;
      inserts.push({ at: receiver.range.start, text: `${LOOP_BUDGET_FUNCTION}(`, closing: false });
      inserts.push({ at: receiver.range.end, text: `, ${1 + nodeCount(body)})`, closing: true });
    }
    visit(ast.args);
  };
  visit(ast);
  // From the end, so earlier offsets stay valid; at one offset a list that ends there closes
  // before one that starts there opens.
  inserts.sort((a, b) => b.at - a.at || Number(a.closing) - Number(b.closing));
  let out = expr;
  for (const { at, text } of inserts) out = out.slice(0, at) + text + out.slice(at);
  return out;
}
