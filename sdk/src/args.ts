/** Whether a value is a plain `{ … }` object (not an array, Date, class instance or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The arguments of a guarded function as the JSON object Aegis records and binds approvals to:
 * a single object argument as it is (a tool's named arguments), nothing as `{}`, anything else
 * positionally as `{ args: [...] }`.
 */
export function argsObject(values: readonly unknown[]): Record<string, unknown> {
  if (values.length === 0) return {};
  if (values.length === 1 && isPlainObject(values[0])) return values[0];
  return { args: [...values] };
}

/**
 * The function's arguments for a recorded arguments object `args` (the inverse of `argsObject`):
 * the original values when `args` is the object made from them, else rebuilt from it — how a
 * REDACT rule's masked arguments reach the function. Undefined when they can't be rebuilt.
 */
export function valuesFromArgs(
  values: readonly unknown[],
  recorded: Record<string, unknown>,
  args: Record<string, unknown>,
): unknown[] | undefined {
  if (args === recorded) return [...values];
  if (values.length === 0) return [];
  if (values.length === 1 && isPlainObject(values[0])) return [args];
  return Array.isArray(args.args) && args.args.length === values.length ? [...(args.args as unknown[])] : undefined;
}

/** The action name of a guarded function: explicit, else the function's own name. */
export function actionNameOf(fn: { name: string }, explicit?: string): string {
  const action = explicit ?? fn.name;
  if (!action || action === 'anonymous') {
    throw new TypeError(
      'Aegis needs an action name for an anonymous function: pass { action: "…" }',
    );
  }
  return action;
}
