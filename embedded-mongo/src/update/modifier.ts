import type { Document } from 'bson';
import type { Options } from 'mingo/types';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';
import { assign, updateOperators } from './operators.js';
import { checkConflicts, isPositional, parsePath, showElement, walkPath } from './pathWalk.js';
import { positionalResolver } from './positional.js';

export interface ModifierOptions {
  /** The statement's query: the positional `$` refers to the element it matched. */
  query?: Document;
  arrayFilters?: Document[];
  /** True when building an upserted document ($setOnInsert applies). */
  inserting?: boolean;
  /** The document before the update (when `doc` is a copy being changed). */
  original?: Document;
  matchOptions: Partial<Options>;
}

interface Entry {
  op: string;
  path: string;
  parts: string[];
  arg: unknown;
}

/** mongod (5.0+) applies updates in field-name order: numeric names numerically, others as strings. */
function comparePaths(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function parseEntries(u: Document): { entries: Entry[]; renames: Entry[] } {
  const entries: Entry[] = [];
  const renames: Entry[] = [];
  for (const [op, fields] of Object.entries(u)) {
    if (op !== '$rename' && !(op in updateOperators)) {
      throw mongoError('FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!isPlainObject(fields)) {
      throw mongoError('FailedToParse', `Modifiers operate on fields but we found type ${Array.isArray(fields) ? 'array' : typeof fields} instead. For example: {$mod: {<field>: ...}} not {${op}: ${String(fields)}}`);
    }
    for (const [path, arg] of Object.entries(fields)) {
      const entry = { op, path, parts: parsePath(path), arg };
      (op === '$rename' ? renames : entries).push(entry);
    }
  }
  return { entries, renames };
}

function checkRename(e: Entry): string[] {
  if (typeof e.arg !== 'string') throw mongoError('BadValue', `The 'to' field for $rename must be a string: ${showElement(e.path, e.arg)}`);
  const to = parsePath(e.arg);
  if (e.parts.some(isPositional)) throw mongoError('BadValue', `The source field for $rename may not be dynamic: ${e.path}`);
  if (to.some(isPositional)) throw mongoError('BadValue', `The destination field for $rename may not be dynamic: ${e.arg}`);
  if (e.arg === e.path) throw mongoError('BadValue', `The source and target field for $rename must differ: ${e.path}: "${e.arg}"`);
  if (e.arg.startsWith(`${e.path}.`) || e.path.startsWith(`${e.arg}.`)) {
    throw mongoError('BadValue', `The source and target field for $rename must not be on the same path: ${e.path}: "${e.arg}"`);
  }
  return to;
}

/** The container and key of a rename's source or target, refusing paths through arrays. */
function objectSlot(doc: Document, parts: string[], role: 'source' | 'destination', path: string): { parent?: Record<string, unknown>; key: string } {
  let cur: unknown = doc;
  let field = '';
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(cur)) throw mongoError('BadValue', `The ${role} field cannot be an array element, '${path}' in doc with ${showElement(field, cur)}`);
    if (!isPlainObject(cur)) return { key: parts[parts.length - 1]! };
    field = part;
    cur = cur[part];
  }
  if (Array.isArray(cur)) throw mongoError('BadValue', `The ${role} field cannot be an array element, '${path}' in doc with ${showElement(field, cur)}`);
  return { parent: isPlainObject(cur) ? cur : undefined, key: parts[parts.length - 1]! };
}

function applyRename(doc: Document, e: Entry, to: string[], resolver: ReturnType<typeof positionalResolver>): void {
  const source = objectSlot(doc, e.parts, 'source', e.path);
  if (!source.parent || !Object.hasOwn(source.parent, source.key)) return;
  const value = source.parent[source.key];
  objectSlot(doc, to, 'destination', e.arg as string);
  delete source.parent[source.key];
  walkPath(doc, to, (c, k) => assign(c, k, value), { creating: true, resolver });
}

/**
 * Applies an operator update (`{$set: …, $inc: …}`) to `doc` in place, as mongod does: paths are
 * validated and checked for conflicts up front (codes 56, 40, 9), then applied in field order;
 * a write mongod would refuse (a field of an array, `$inc` on a string, `$push` onto a number…)
 * throws its error instead of silently changing nothing.
 */
export function applyModifier(doc: Document, u: Document, opts: ModifierOptions): void {
  const { entries, renames } = parseEntries(u);
  const renameTargets = renames.map(checkRename);
  checkConflicts([...entries.map((e) => e.path), ...renames.flatMap((r) => [r.path, r.arg as string])]);
  const resolver = positionalResolver(opts.original ?? doc, opts.query, opts.arrayFilters, opts.matchOptions);
  checkIdentifiers(entries, resolver.identifiers, u);
  const compiled = entries
    .filter((e) => e.op !== '$setOnInsert' || opts.inserting)
    .map((e) => {
      const spec = updateOperators[e.op]!;
      return { e, spec, leaf: spec.compile(e.path, e.arg)(doc) };
    });
  const steps: { parts: string[]; run: () => void }[] = [
    ...compiled.map(({ e, spec, leaf }) => ({ parts: e.parts, run: () => walkPath(doc, e.parts, leaf, { creating: spec.creating, resolver }) })),
    ...renames.map((r, i) => ({ parts: r.parts, run: () => applyRename(doc, r, renameTargets[i]!, resolver) })),
  ];
  steps.sort((a, b) => comparePaths(a.parts, b.parts));
  for (const s of steps) s.run();
}

/** Every `$[id]` in a path has an array filter, and every array filter is used (codes 2, 9). */
function checkIdentifiers(entries: Entry[], identifiers: ReadonlySet<string>, u: Document): void {
  const used = new Set<string>();
  for (const e of entries) {
    for (const part of e.parts) {
      if (!part.startsWith('$[') || part === '$[]') continue;
      const id = part.slice(2, -1);
      if (!identifiers.has(id)) throw mongoError('BadValue', `No array filter found for identifier '${id}' in path '${e.path}'`);
      used.add(id);
    }
  }
  for (const id of identifiers) {
    if (!used.has(id)) throw mongoError('FailedToParse', `The array filter for identifier '${id}' was not used in the update ${showElement('update', u).slice(9, -1)}`);
  }
}

/**
 * What mongod refuses in an operator update before it reads any document — it parses the update
 * first, so an unknown operator, an empty or conflicting path, a non-numeric `$inc`, an unused
 * array filter fail the statement even when nothing matches. applyModifier checks the same on
 * its way; this is for the statements that match nothing.
 */
export function checkModifier(u: Document, arrayFilters: Document[] | undefined, matchOptions: Partial<Options>): void {
  const { entries, renames } = parseEntries(u);
  renames.forEach(checkRename);
  checkConflicts([...entries.map((e) => e.path), ...renames.flatMap((r) => [r.path, r.arg as string])]);
  checkIdentifiers(entries, positionalResolver({}, undefined, arrayFilters, matchOptions).identifiers, u);
  for (const e of entries) updateOperators[e.op]!.compile(e.path, e.arg);
}
