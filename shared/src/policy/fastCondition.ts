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

/** The variables this path reads (the rest — now, history, session, dlp — stay interpreted). */
const VARIABLES = new Set(['args', 'agent', 'action', 'tool']);
const AGENT_FIELDS = new Set(['name', 'owner', 'labels']);
const TOOL_FIELDS = new Set(['tags', 'description']);
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);
const STRING_METHODS = new Set(['startsWith', 'endsWith', 'contains']);

/** A map as cel-js reads a plain object: its constructor is Object (or none). */
function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const c = (v as { constructor?: unknown }).constructor;
  return c === undefined || c === Object;
}

/** A value cel-js takes as it is (JSON's kinds); anything else is left to it. */
function plainValue(v: unknown): boolean {
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint') return true;
  return t === 'object' && (v === null || isMap(v) || Array.isArray(v));
}

/** A map's entry as cel-js reads it (own keys only); FALLBACK when absent or unusual. */
function entry(map: Record<string, unknown>, key: string): unknown {
  if (!Object.hasOwn(map, key)) return FALLBACK;
  const v = map[key];
  return v !== undefined && plainValue(v) ? v : FALLBACK;
}

/**
 * cel-js types a `dyn` map or list by its first entry, all the way down (`debugTypeDeep`): an
 * entry it cannot type there is an error, whatever the operator would have answered.
 */
function typedByFirst(v: unknown): boolean {
  if (Array.isArray(v)) {
    const first: unknown = v[0];
    return first === undefined || (plainValue(first) && typedByFirst(first));
  }
  if (isMap(v)) {
    for (const key in v) {
      const first = v[key];
      return first !== undefined && plainValue(first) && typedByFirst(first);
    }
  }
  return true;
}

function allStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function allStringValues(v: unknown): v is Record<string, string> {
  return isMap(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** Reads a field of a value: a map's key, or a declared field of `agent` / `tool`. */
function field(obj: unknown, name: string): unknown {
  if (isMap(obj)) return entry(obj, name);
  if (obj instanceof AgentValue && AGENT_FIELDS.has(name)) {
    const v = obj[name as 'name' | 'owner' | 'labels'];
    if (name === 'labels') return allStringValues(v) ? v : FALLBACK;
    return typeof v === 'string' ? v : FALLBACK;
  }
  if (obj instanceof ToolValue && TOOL_FIELDS.has(name)) {
    const v = obj[name as 'tags' | 'description'];
    if (name === 'tags') return allStrings(v) ? v : FALLBACK;
    return typeof v === 'string' ? v : FALLBACK;
  }
  return FALLBACK;
}

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

function comparison(node: ASTNode): Step | null {
  const [l, r] = node.args as [ASTNode, ASTNode];
  const left = step(l);
  const right = step(r);
  if (!left || !right) return null;
  const op = node.op;
  return (vars) => {
    const a = left(vars);
    const b = right(vars);
    return a === FALLBACK || b === FALLBACK ? FALLBACK : compare(op, a, b);
  };
}

/** `&&` and `||`: the side that settles it (false for &&, true for ||) answers alone, as in CEL. */
function logical(args: unknown, op: string): Step | null {
  const [l, r] = args as [ASTNode, ASTNode];
  const left = step(l);
  const right = step(r);
  if (!left || !right) return null;
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
    return typeof name === 'string' && VARIABLES.has(name) ? (vars) => vars[name] : null;
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
      if (!Object.hasOwn(obj, key) || obj[key] === undefined) return false;
      return plainValue(obj[key]) ? true : FALLBACK;
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
    const [l, r] = args as [ASTNode, ASTNode];
    const left = step(l);
    const right = step(r);
    if (!left || !right) return null;
    return (vars) => {
      const x = left(vars);
      const coll = right(vars);
      if (typeof x !== 'string') return FALLBACK;
      if (isMap(coll))
        return typedByFirst(coll) ? Object.hasOwn(coll, x) && coll[x] !== undefined : FALLBACK;
      return allStrings(coll) ? coll.includes(x) : FALLBACK;
    };
  },
};

/** The condition's faster path, or null when any part of it is not a shape handled here. */
export function fastCondition(ast: ASTNode): FastCondition | null {
  const run = step(ast);
  if (!run) return null;
  return (vars) => {
    const v = run(vars);
    return typeof v === 'boolean' ? v : FALLBACK;
  };
}
