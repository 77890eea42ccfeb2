import { serialize, type Document } from 'bson';
import { isPlainObject } from '../storage/indexKeys.js';

export interface TruncatedArray {
  field: string;
  newSize: number;
}

/** An update event's `updateDescription`, as MongoDB 5.0+ reports it. */
export interface UpdateDescription {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: TruncatedArray[];
}

/** Marks a path that does not exist (as opposed to one holding undefined or null). */
const MISSING: unique symbol = Symbol('missing');
type Value = unknown;

function empty(): UpdateDescription {
  return { updatedFields: {}, removedFields: [], truncatedArrays: [] };
}

/** Same BSON value, type included (1 and 1.5 differ, 1 and Long(1) differ), as mongod decides "modified". */
function same(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return Buffer.from(serialize({ v: a })).equals(serialize({ v: b }));
}

/** The top-level fields a `$set`/`$unset` changed (the store's fast update path knows them). */
export function describeTopLevel(after: Document, changed: ReadonlySet<string>): UpdateDescription {
  const out = empty();
  for (const f of changed) {
    if (Object.hasOwn(after, f)) out.updatedFields[f] = after[f] as Value;
    else out.removedFields.push(f);
  }
  return out;
}

/** A structural diff, as mongod computes one for pipeline updates: nested paths, array truncation. */
function diffObject(out: UpdateDescription, before: Document, after: Document, prefix: string): void {
  for (const k of Object.keys(before)) if (!Object.hasOwn(after, k)) out.removedFields.push(prefix + k);
  for (const [k, v] of Object.entries(after)) {
    if (!Object.hasOwn(before, k)) out.updatedFields[prefix + k] = v as Value;
    else diffValue(out, before[k] as Value, v as Value, prefix + k);
  }
}

function diffValue(out: UpdateDescription, a: Value, b: Value, path: string): void {
  if (isPlainObject(a) && isPlainObject(b)) diffObject(out, a, b, `${path}.`);
  else if (Array.isArray(a) && Array.isArray(b)) diffArray(out, a as Value[], b as Value[], path);
  else if (!same(a, b)) out.updatedFields[path] = b;
}

function diffArray(out: UpdateDescription, a: Value[], b: Value[], path: string): void {
  if (b.length < a.length) out.truncatedArrays.push({ field: path, newSize: b.length });
  for (let i = 0; i < b.length; i++) {
    if (i >= a.length) out.updatedFields[`${path}.${i}`] = b[i];
    else diffValue(out, a[i], b[i], `${path}.${i}`);
  }
}

function child(v: Value, key: string): Value {
  if (Array.isArray(v)) return /^\d+$/.test(key) && Number(key) < v.length ? v[Number(key)] : MISSING;
  if (isPlainObject(v)) return Object.hasOwn(v, key) ? v[key] : MISSING;
  return MISSING;
}

function valueAt(doc: Document, parts: readonly string[]): Value {
  let v: Value = doc;
  for (const p of parts) {
    if (v === MISSING) return MISSING;
    v = child(v, p);
  }
  return v;
}

/** Where a path's change shows: at the first component missing before the update (mongod logs the created subtree). */
function reportedParts(before: Document, parts: readonly string[]): string[] {
  let v: Value = before;
  for (let depth = 0; depth < parts.length; depth++) {
    v = child(v, parts[depth]!);
    if (v === MISSING) return parts.slice(0, depth + 1);
  }
  return [...parts];
}

/** Whether `path` or one of its dotted prefixes (`a` of `a.b.c`) was reported already. */
function coveredBy(reported: ReadonlySet<string>, path: string): boolean {
  if (reported.has(path)) return true;
  for (let at = path.indexOf('.'); at !== -1; at = path.indexOf('.', at + 1)) if (reported.has(path.slice(0, at))) return true;
  return false;
}

// $push/$addToSet that only append are reported element by element (`arr.3`), as mongod does.
const APPENDING = new Set(['$push', '$addToSet']);

/**
 * The `updateDescription` of an operator or pipeline update, from the document before and after.
 * Operator updates report each operator's target path (`$set: {'a.b': 1}` → `a.b`), a positional
 * path (`arr.$.x`) as the diff of its array, appends as new elements, and removals as
 * removedFields; pipeline updates get a structural diff with `truncatedArrays`.
 */
export function describeUpdate(before: Document, after: Document, update: Document | Document[]): UpdateDescription {
  const out = empty();
  if (Array.isArray(update)) {
    diffObject(out, before, after, '');
    return out;
  }
  const targets: { path: string; appending: boolean }[] = [];
  for (const [op, spec] of Object.entries(update)) {
    if (!isPlainObject(spec)) continue;
    for (const [path, value] of Object.entries(spec)) {
      targets.push({ path, appending: APPENDING.has(op) });
      if (op === '$rename' && typeof value === 'string') targets.push({ path: value, appending: false });
    }
  }
  targets.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const reported = new Set<string>();
  for (const { path: raw, appending } of targets) {
    const parts = raw.split('.');
    const positional = parts.findIndex((p) => p.startsWith('$'));
    const parts0 = reportedParts(before, positional >= 0 ? parts.slice(0, positional) : parts);
    const path = parts0.join('.');
    if (path === '' || coveredBy(reported, path)) continue;
    reported.add(path);
    const a = valueAt(before, parts0);
    const b = valueAt(after, parts0);
    if (b === MISSING) {
      if (a !== MISSING) out.removedFields.push(path);
    } else if (a === MISSING) {
      out.updatedFields[path] = b;
    } else if (positional >= 0) {
      diffValue(out, a, b, path);
    } else if (appending && Array.isArray(a) && Array.isArray(b) && b.length >= a.length && a.every((x, i) => same(x, b[i]))) {
      for (let i = a.length; i < b.length; i++) out.updatedFields[`${path}.${i}`] = b[i] as Value;
    } else if (!same(a, b)) {
      out.updatedFields[path] = b;
    }
  }
  return out;
}
