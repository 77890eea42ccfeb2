import { EJSON } from 'bson';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';

/** Where a leaf operator acts: a field of an object, or a slot of an array. */
export type Container = Record<string, unknown> | unknown[];

/**
 * A leaf operation at `container[key]`. `present` says whether the slot exists; `path` is the
 * concrete dotted path (positional elements resolved) for error messages.
 */
export type Leaf = (container: Container, key: string | number, present: boolean, path: string) => void;

/** Resolves what the positional elements of a path refer to. */
export interface PositionalResolver {
  /** Index of the array element the query matched under `arrayPath` (the `$` operator). */
  positional(arrayPath: string, array: unknown[]): number;
  /** The `$[<id>]` filter for `id`. */
  arrayFilter(id: string): (element: unknown) => boolean;
}

const NUMERIC = /^\d+$/;

export function isPositional(part: string): boolean {
  return part === '$' || (part.startsWith('$[') && part.endsWith(']'));
}

/** Splits an update path, refusing empty ones and empty components as mongod does (code 56). */
export function parsePath(path: string): string[] {
  if (path === '') throw mongoError('EmptyFieldName', 'An empty update path is not valid.');
  const parts = path.split('.');
  if (parts.some((p) => p === '')) throw mongoError('EmptyFieldName', `The update path '${path}' contains an empty field name, which is not allowed.`);
  if (parts.filter((p) => p === '$').length > 1) throw mongoError('BadValue', `Too many positional (i.e. '$') elements found in path '${path}'`);
  // Other `$`-prefixed components are field names: mongod 5+ stores them (`$set: {$key: 1}`);
  // only a replacement document may not have them at its top level (applyUpdate.ts).
  return parts;
}

/**
 * Two paths conflict when one is a prefix of the other (or they are equal), comparing
 * components literally: `a.$.x` and `a.$.y` may be updated together, `a` and `a.$.x` may not.
 */
export function checkConflicts(paths: string[]): void {
  // Linear in the number of paths (a rollup upsert names dozens): each path's prefixes are
  // looked up among the earlier paths, and the path among the earlier paths' prefixes. Only a
  // path found to conflict is compared pair by pair, for the message mongod's order gives.
  const earlier = new Set<string>();
  const earlierPrefixes = new Set<string>();
  for (let j = 0; j < paths.length; j++) {
    const path = paths[j]!;
    let conflict = earlierPrefixes.has(path);
    const prefixes: string[] = [];
    for (let at = path.indexOf('.'); at !== -1; at = path.indexOf('.', at + 1)) prefixes.push(path.slice(0, at));
    prefixes.push(path);
    for (const prefix of prefixes) conflict ||= earlier.has(prefix);
    if (conflict) throwFirstConflict(paths, j);
    earlier.add(path);
    for (let k = 0; k < prefixes.length - 1; k++) earlierPrefixes.add(prefixes[k]!);
  }
}

/** The conflict of `paths[j]` with the first earlier path it conflicts with, compared by components. */
function throwFirstConflict(paths: string[], j: number): never {
  const b = paths[j]!.split('.');
  for (let i = 0; i < j; i++) {
    const a = paths[i]!.split('.');
    const n = Math.min(a.length, b.length);
    if (a.slice(0, n).every((part, k) => part === b[k])) {
      throw mongoError('ConflictingUpdateOperators', `Updating the path '${paths[j]}' would create a conflict at '${a.slice(0, n).join('.')}'`);
    }
  }
  throw new Error(`internal: no conflict found for '${paths[j]}'`);
}

/** `{field: value}` as mongod prints an element in its messages. */
export function showElement(field: string | number, value: unknown): string {
  let text: string;
  try {
    text = EJSON.stringify(value, { relaxed: true });
  } catch {
    text = String(value);
  }
  return `{${String(field)}: ${text}}`;
}

function cannotCreate(part: string, field: string | number, value: unknown): Error {
  return mongoError('PathNotViable', `Cannot create field '${part}' in element ${showElement(field, value)}`);
}

/**
 * Walks `parts` from `container`, calling `leaf` at every slot the path reaches (several with
 * `$[]` / `$[id]`). With `creating`, missing objects are created and arrays padded with nulls,
 * and a path that runs into a scalar or a non-numeric field of an array is PathNotViable (28);
 * without it ($unset, $pull, $pop) such a path is simply not there.
 */
export function walkPath(
  container: Container,
  parts: readonly string[],
  leaf: Leaf,
  opts: { creating: boolean; resolver: PositionalResolver },
  i = 0,
  prefix: (string | number)[] = [],
): void {
  const part = parts[i]!;
  const last = i === parts.length - 1;
  const step = (key: string | number): void => {
    const present = Array.isArray(container) ? (key as number) < container.length : Object.hasOwn(container, key);
    const path = [...prefix, key];
    if (last) return leaf(container, key, present, path.join('.'));
    let child = present ? (container as Record<string | number, unknown>)[key] : undefined;
    if (child === undefined) {
      if (!opts.creating) return;
      child = {};
      if (Array.isArray(container)) while (container.length < (key as number)) container.push(null);
      (container as Record<string | number, unknown>)[key] = child;
    }
    if (isPlainObject(child) || Array.isArray(child)) return walkPath(child, parts, leaf, opts, i + 1, path);
    if (opts.creating) throw cannotCreate(parts[i + 1]!, key, child);
  };
  const field = prefix[prefix.length - 1] ?? '';
  if (Array.isArray(container)) {
    if (part === '$') return step(opts.resolver.positional(prefix.join('.'), container));
    if (part === '$[]') return container.forEach((_, k) => step(k));
    if (isPositional(part)) {
      const matches = opts.resolver.arrayFilter(part.slice(2, -1));
      return container.forEach((e, k) => (matches(e) ? step(k) : undefined));
    }
    if (NUMERIC.test(part)) return step(Number(part));
    if (opts.creating) throw cannotCreate(part, field, container);
    return;
  }
  if (part === '$') throw mongoError('BadValue', 'The positional operator did not find the match needed from the query.');
  if (isPositional(part)) {
    throw mongoError('BadValue', `Cannot apply array updates to non-array element ${showElement(field, container)}`);
  }
  step(part);
}
