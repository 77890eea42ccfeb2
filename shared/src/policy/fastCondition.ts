import type { ASTNode } from '@marcbachmann/cel-js';
import { AgentValue, ToolValue } from './celEnvironment';

/**
 * A faster path for the common shapes of a `when` condition: `has()`, field and key reads,
 * comparisons, `in`, `startsWith`/`endsWith`/`contains`, `!`, `&&`, `||` over the call's `args`,
 * `agent`, `action` and `tool`. cel-js walks the tree with a type lookup per operator (`args` is
 * `map<string, dyn>`); in the server, between ~2 ms of other work, that costs ~8 µs per condition
 * (bench/README.md, "The policy step"). These closures do the same reads directly.
 *
 * They never decide anything the interpreter would decide differently: each step handles only
 * values whose CEL answer is plain (a string compared with a string, a key that is there), and
 * anything else — a missing key, mixed types, an error, a shape not listed here — answers
 * {@link FALLBACK}, and the caller runs the interpreter on the whole condition. So every error and
 * every edge case (CEL's error-absorbing `&&`/`||`, int/double comparisons, absent fields) is the
 * interpreter's, and a condition built from other parts is not compiled here at all.
 */

/** "Ask the interpreter": this path does not answer for these values. */
export const FALLBACK: unique symbol = Symbol('fallback');

type Vars = Readonly<Record<string, unknown>>;
type Step = (vars: Vars) => unknown;
/** A condition's faster path: true, false, or FALLBACK. */
export type FastCondition = (vars: Vars) => boolean | typeof FALLBACK;

const AGENT_FIELDS = new Set(['name', 'owner', 'labels']);
const TOOL_FIELDS = new Set(['tags', 'description']);
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);
const STRING_METHODS = new Set(['startsWith', 'endsWith', 'contains']);

/** A map as cel-js types a value: by its constructor, Object (or none). */
function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const c = (v as { constructor?: unknown }).constructor;
  return c === undefined || c === Object;
}

/**
 * A list as cel-js types a value: by its constructor, this realm's Array (not a subclass) — and a
 * real array, since it then reads it as one (an object merely claiming Array is its error).
 */
function isList(v: unknown): v is unknown[] {
  return (
    Array.isArray(v) && v instanceof Array && (v as { constructor?: unknown }).constructor === Array
  );
}

/** A value cel-js takes as it is (JSON's kinds); anything else is left to it. */
function plainValue(v: unknown): boolean {
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint') return true;
  return t === 'object' && (v === null || isMap(v) || isList(v));
}

/**
 * A map's own data entry (a getter could answer differently when the interpreter reads it);
 * FALLBACK when absent or unusual.
 */
function entry(map: Record<string, unknown>, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(map, key);
  if (!d || !('value' in d)) return FALLBACK;
  const v: unknown = d.value;
  return v !== undefined && plainValue(v) ? v : FALLBACK;
}

/** Deeper than this, the interpreter decides (its own typing of nested values is quadratic). */
const MAX_TYPED_DEPTH = 32;

/**
 * cel-js types a `dyn` map or list by its first entry, all the way down (`debugTypeDeep`): an
 * entry it cannot type there is an error, whatever the operator would have answered. Decided by
 * constructor first, as cel-js does (an array whose constructor is Object is a map to it).
 */
function typedByFirst(v: unknown, depth = 0): boolean {
  if (depth > MAX_TYPED_DEPTH) return false;
  if (isList(v)) {
    const first: unknown = v[0];
    return first === undefined || (plainValue(first) && typedByFirst(first, depth + 1));
  }
  if (isMap(v)) {
    for (const key in v) {
      const first = v[key];
      return first !== undefined && plainValue(first) && typedByFirst(first, depth + 1);
    }
  }
  return true;
}

/**
 * `x in list` for a string, as cel-js runs it: the list typed by its first element (a string, or
 * none), then each element (its own iteration) compared with ===, stopping at the first match.
 */
function listHas(list: unknown, x: string): boolean | typeof FALLBACK {
  if (!isList(list)) return FALLBACK;
  const first: unknown = list[0];
  if (first !== undefined && typeof first !== 'string') return FALLBACK;
  for (const v of list) if (v === x) return true;
  return false;
}

/** A map whose own entries are all plain string data (the `map<string, string>` of labels). */
function stringMap(v: unknown): v is Record<string, string> {
  if (!isMap(v)) return false;
  for (const key of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key);
    if (typeof key !== 'string' || !d || typeof d.value !== 'string') return false;
  }
  return true;
}

function stringList(v: unknown): v is string[] {
  return isList(v) && v.every((x) => typeof x === 'string');
}

/** Reads a field of a value: a map's key, or a declared field of `agent` / `tool`. */
function field(obj: unknown, name: string): unknown {
  if (isMap(obj)) return entry(obj, name);
  const c = typeof obj === 'object' && obj !== null ? obj.constructor : undefined;
  if (c === AgentValue && AGENT_FIELDS.has(name)) {
    const v = (obj as AgentValue)[name as 'name' | 'owner' | 'labels'];
    if (name === 'labels') return stringMap(v) ? v : FALLBACK;
    return typeof v === 'string' ? v : FALLBACK;
  }
  if (c === ToolValue && TOOL_FIELDS.has(name)) {
    const v = (obj as ToolValue)[name as 'tags' | 'description'];
    if (name === 'tags') return stringList(v) ? v : FALLBACK;
    return typeof v === 'string' ? v : FALLBACK;
  }
  return FALLBACK;
}

/** The declared type of each root variable: a value of another type is the interpreter's error. */
const ROOT_TYPES: Record<string, (v: unknown) => boolean> = {
  args: isMap,
  action: (v) => typeof v === 'string',
  agent: (v) => typeof v === 'object' && v !== null && v.constructor === AgentValue,
  tool: (v) => typeof v === 'object' && v !== null && v.constructor === ToolValue,
};

function sameKind(a: unknown, b: unknown): boolean {
  const t = typeof a;
  return t === typeof b && (t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean');
}

function compare(op: string, a: unknown, b: unknown): boolean | typeof FALLBACK {
  if (a === null && b === null && (op === '==' || op === '!=')) return op === '==';
  if (!sameKind(a, b)) return FALLBACK;
  const x = a as number;
  const y = b as number;
  switch (op) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return typeof a === 'boolean' ? FALLBACK : x < y;
    case '<=':
      return typeof a === 'boolean' ? FALLBACK : x <= y;
    case '>':
      return typeof a === 'boolean' ? FALLBACK : x > y;
    default:
      return typeof a === 'boolean' ? FALLBACK : x >= y;
  }
}

/** One node's step, or null when the node is not a shape this path handles. */
function step(node: ASTNode): Step | null {
  if (COMPARE.has(node.op)) return comparison(node);
  return BUILDERS[node.op]?.(node.args, node.op) ?? null;
}

/** The steps of a two-operand node's operands, or null when either is not handled here. */
function operands(args: unknown): [Step, Step] | null {
  const [l, r] = args as [ASTNode, ASTNode];
  const left = step(l);
  const right = step(r);
  return left && right ? [left, right] : null;
}

function comparison(node: ASTNode): Step | null {
  const both = operands(node.args);
  if (!both) return null;
  const [left, right] = both;
  const op = node.op;
  return (vars) => {
    const a = left(vars);
    const b = right(vars);
    return a === FALLBACK || b === FALLBACK ? FALLBACK : compare(op, a, b);
  };
}

/** `&&` and `||`: the side that settles it (false for &&, true for ||) answers alone, as in CEL. */
function logical(args: unknown, op: string): Step | null {
  const both = operands(args);
  if (!both) return null;
  const [left, right] = both;
  const settles = op === '||';
  // An error or a non-boolean on either side is the interpreter's to resolve.
  return (vars) => {
    const a = left(vars);
    if (a === settles) return settles;
    if (typeof a !== 'boolean') return FALLBACK;
    const b = right(vars);
    return typeof b === 'boolean' ? b : FALLBACK;
  };
}

type Builder = (args: unknown, op: string) => Step | null;

/** A step for each node shape handled here, by the node's `op` (its `args` differ by shape). */
const BUILDERS: Partial<Record<string, Builder>> = {
  value(v) {
    const t = typeof v;
    if (v === null || t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean')
      return () => v;
    return null;
  },
  id(name) {
    const typed = typeof name === 'string' ? ROOT_TYPES[name] : undefined;
    if (!typed) return null;
    return (vars) => {
      const v = vars[name as string];
      return typed(v) ? v : FALLBACK;
    };
  },
  '.'(args) {
    const [of, name] = args as [ASTNode, unknown];
    const inner = step(of);
    if (!inner || typeof name !== 'string') return null;
    return (vars) => {
      const obj = inner(vars);
      return obj === FALLBACK ? FALLBACK : field(obj, name);
    };
  },
  '[]'(args) {
    const [of, key] = args as [ASTNode, ASTNode];
    const inner = step(of);
    const index = step(key);
    if (!inner || !index) return null;
    return (vars) => {
      const obj = inner(vars);
      const k = index(vars);
      return isMap(obj) && typeof k === 'string' ? entry(obj, k) : FALLBACK;
    };
  },
  call(args) {
    // has(x.f): whether a map has the key (fields of `agent`/`tool`: interpreted)
    const [name, params] = args as [unknown, ASTNode[]];
    const target = params?.[0];
    if (name !== 'has' || params.length !== 1 || target?.op !== '.') return null;
    const [of, key] = target.args as [ASTNode, unknown];
    if (of.op !== 'id' && of.op !== '.') return null;
    const inner = step(of);
    if (!inner || typeof key !== 'string') return null;
    return (vars) => {
      const obj = inner(vars);
      if (!isMap(obj)) return FALLBACK;
      const d = Object.getOwnPropertyDescriptor(obj, key);
      if (!d) return false;
      if (!('value' in d)) return FALLBACK;
      if (d.value === undefined) return false;
      return plainValue(d.value) ? true : FALLBACK;
    };
  },
  rcall(args) {
    const [name, receiver, params] = args as [unknown, ASTNode, ASTNode[]];
    if (typeof name !== 'string' || !STRING_METHODS.has(name) || params?.length !== 1) return null;
    const on = step(receiver);
    const arg = step(params[0]!);
    if (!on || !arg) return null;
    return (vars) => {
      const s = on(vars);
      const a = arg(vars);
      if (typeof s !== 'string' || typeof a !== 'string') return FALLBACK;
      if (name === 'startsWith') return s.startsWith(a);
      return name === 'endsWith' ? s.endsWith(a) : s.includes(a);
    };
  },
  '!_'(args) {
    const inner = step(args as ASTNode);
    if (!inner) return null;
    return (vars) => {
      const v = inner(vars);
      return typeof v === 'boolean' ? !v : FALLBACK;
    };
  },
  '&&': logical,
  '||': logical,
  in(args) {
    const both = operands(args);
    if (!both) return null;
    const [left, right] = both;
    return (vars) => {
      const x = left(vars);
      const coll = right(vars);
      if (typeof x !== 'string') return FALLBACK;
      if (!isMap(coll)) return listHas(coll, x);
      if (!typedByFirst(coll)) return FALLBACK;
      const d = Object.getOwnPropertyDescriptor(coll, x);
      if (!d) return false;
      return 'value' in d ? d.value !== undefined : FALLBACK;
    };
  },
};

/** The condition's faster path, or null when any part of it is not a shape handled here. */
export function fastCondition(ast: ASTNode): FastCondition | null {
  const run = step(ast);
  if (!run) return null;
  return (vars) => {
    try {
      const v = run(vars);
      return typeof v === 'boolean' ? v : FALLBACK;
    } catch {
      // A getter or iterator of the caller's values threw: the interpreter reads them its way.
      return FALLBACK;
    }
  };
}
