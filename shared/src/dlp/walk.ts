import { NO_CONTEXT, keyContext, type KeyContext } from './keys';

/** Where the walker is: the keys and indexes from the root, turned into a JSON pointer on demand. */
export class PathStack {
  readonly segments: string[] = [];
  constructor(private readonly displayKey: (key: string) => string) {}

  /** RFC 6901 pointer of the current value, with each key as {@link displayKey} shows it. */
  pointer(): string {
    let out = '';
    for (const s of this.segments) out += `/${this.displayKey(s).replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return out;
  }
}

export interface WalkVisitor {
  /**
   * A string, or an integer as its decimal text (`original` tells which). Returns the value to
   * put in its place, or `undefined` to keep it.
   */
  leaf(text: string, context: KeyContext, path: PathStack, original: string | number): unknown;
  /** An object's key; returns the key to use instead, or `undefined` to keep it. */
  key(key: string, path: PathStack): string | undefined;
}

export interface WalkLimits {
  /** Objects and arrays nested deeper than this are not looked into. */
  maxDepth: number;
  /** Characters of strings and keys examined in all; the rest is not looked at. */
  maxChars: number;
  /**
   * What becomes of what the limits kept the walk from seeing: left as it is (a scan, which
   * reports `truncated`), or replaced by {@link NOT_SCANNED} (masking, which must not pass on
   * anything it could not check).
   */
  beyond: 'keep' | 'replace';
}

export const NOT_SCANNED = '[REDACTED:not scanned]';

export interface WalkResult {
  value: unknown;
  /** Whether a limit stopped the walk before it saw everything. */
  truncated: boolean;
}

/**
 * Walks a JSON-like value depth first, copying only what the visitor changes (a scan allocates
 * nothing). Only own keys of plain objects are visited, so `__proto__` and `constructor` keys of
 * parsed JSON are data like any other; changed objects are copied onto plain objects with a
 * `__proto__` key defined as an own property (see {@link plainCopy}). Class instances
 * (dates, ObjectIds, buffers) are left as they are, except a Date under a DOB-named field.
 */
export function walk(root: unknown, visitor: WalkVisitor, limits: WalkLimits, displayKey: (key: string) => string): WalkResult {
  const path = new PathStack(displayKey);
  let budget = limits.maxChars;
  let truncated = false;

  const replace = limits.beyond === 'replace';
  const unseen = (value: unknown): unknown => {
    truncated = true;
    const trivial = value === null || typeof value === 'boolean' || (typeof value === 'number' && Math.abs(value) < 1000);
    return replace && !trivial ? NOT_SCANNED : value;
  };

  const visit = (value: unknown, context: KeyContext, depth: number): unknown => {
    if (budget <= 0) return unseen(value);
    switch (typeof value) {
      case 'string': {
        let text = value;
        if (text.length > budget) {
          text = text.slice(0, budget);
          truncated = true;
        }
        budget -= text.length;
        const out = visitor.leaf(text, context, path, value);
        if (text.length === value.length) return out === undefined ? value : out;
        const head = typeof out === 'string' ? out : text;
        return replace ? head + NOT_SCANNED : out === undefined ? value : head + value.slice(text.length);
      }
      case 'number': {
        budget -= 8;
        // Card numbers, SSNs and phone numbers arrive as JSON numbers too; small ones are counts.
        if (!Number.isInteger(value) || Math.abs(value) < 1000) return value;
        const out = visitor.leaf(String(Math.abs(value)), context, path, value);
        return out === undefined ? value : out;
      }
      case 'object':
        break;
      case 'bigint':
      case 'boolean':
      case 'function':
      case 'symbol':
      case 'undefined':
        return value;
    }
    if (value === null) return value;
    if (value instanceof Date) {
      if (!context.dob || Number.isNaN(value.getTime())) return value;
      const out = visitor.leaf(value.toISOString(), context, path, value.toISOString());
      return out === undefined ? value : out;
    }
    if (depth >= limits.maxDepth) return unseen(value);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        path.segments.push(String(i));
        const item: unknown = value[i];
        const next = visit(item, context, depth + 1);
        path.segments.pop();
        if (next !== item) (copy ??= value.slice())[i] = next;
        if (budget <= 0 && !replace) {
          truncated = true;
          break;
        }
      }
      return copy ?? value;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    let entries: Array<[string, unknown]> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      budget -= key.length;
      path.segments.push(key);
      const newKey = visitor.key(key, path);
      const item = record[key];
      const next = visit(item, keyContext(key), depth + 1);
      path.segments.pop();
      if ((newKey !== undefined || next !== item) && entries === undefined) {
        entries = keys.slice(0, i).map((k) => [k, record[k]]);
      }
      entries?.push([newKey ?? key, next]);
      if (budget <= 0 && !replace) {
        truncated = true;
        for (const rest of keys.slice(i + 1)) entries?.push([rest, record[rest]]);
        break;
      }
    }
    if (!entries) return value;
    return plainCopy(entries);
  };

  const value = visit(root, NO_CONTEXT, 0);
  return { value, truncated };
}

/**
 * An ordinary object (the masked copy goes back to the caller's code, where a null-prototype one
 * breaks `${result}`, `result.hasOwnProperty(…)` and prints as `[Object: null prototype]`), with a
 * `__proto__` key defined as an own property rather than assigned — assigning would set the
 * prototype and drop the data.
 */
function plainCopy(entries: ReadonlyArray<[string, unknown]>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    if (k === '__proto__')
      Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true });
    else copy[k] = v;
  }
  return copy;
}
