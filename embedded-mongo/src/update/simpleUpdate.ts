import { serialize, type Document } from 'bson';
import { isInt32Number } from '../bson/typeNames.js';
import type { UpdateDescription } from '../changeStreams/updateDescription.js';
import { isPlainObject } from '../storage/indexKeys.js';

/** The document after a simple update, and the top-level fields whose value actually changed. */
export interface SimpleResult {
  next: Document;
  changed: Set<string>;
}

// No dots, no `$`, not `_id` (immutable, checked by the full path), not array-index-like (JS
// would order such keys first), not a prototype name.
const SIMPLE_FIELD = /^[^$.\0]+$/;
const isSimpleField = (f: string): boolean => SIMPLE_FIELD.test(f) && f !== '_id' && !/^\d+$/.test(f) && f !== '__proto__';

/** Sameness as the full path decides "modified": by comparing encodings. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === 'string' || typeof a === 'boolean' || a === null || b === null) return a === b;
  if (typeof a === 'number') {
    if (Object.is(a, b)) return true;
    if (a !== b && !Number.isNaN(a) && !Number.isNaN(b)) return false;
    // 0 and -0, or NaNs: let the encoding decide.
  }
  return Buffer.from(serialize({ v: a })).equals(serialize({ v: b }));
}

/**
 * `$set` / `$unset` of top-level fields — the shape of nearly every application update, e.g.
 * `{ $set: { outcome, durationMs } }` — applied directly instead of through mingo's updater,
 * which copies its whole operator table and deep-clones the document on every call. The result
 * is what the full path produces: a set field keeps its place, new ones go last in name order. Returns undefined for
 * any other update, which then takes the full path (and its validation errors).
 */
export function compileSimpleUpdate(u: Document | Document[], arrayFilters: Document[] | undefined): ((doc: Document) => SimpleResult) | undefined {
  if (Array.isArray(u) || (arrayFilters && arrayFilters.length > 0)) return undefined;
  const ops = Object.keys(u);
  if (ops.length === 0 || !ops.every((op) => op === '$set' || op === '$unset')) return undefined;
  const set = (u.$set ?? {}) as unknown;
  const unset = (u.$unset ?? {}) as unknown;
  if (!isPlainObject(set) || !isPlainObject(unset)) return undefined;
  // New fields are appended in field-name order, as mongod (5.0+) applies them.
  const setFields = Object.entries(set).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const unsetFields = Object.keys(unset);
  // Setting and unsetting one field is a conflict (code 40), reported by the full path.
  if (setFields.length + unsetFields.length === 0 || unsetFields.some((f) => f in set)) return undefined;
  if (!setFields.every(([f, v]) => isSimpleField(f) && v !== undefined) || !unsetFields.every(isSimpleField)) return undefined;
  return (doc) => {
    const next: Document = { ...doc };
    const changed = new Set<string>();
    for (const [f, v] of setFields) {
      const had = Object.hasOwn(doc, f);
      if (had && sameValue(doc[f], v)) continue;
      next[f] = v;
      changed.add(f);
    }
    for (const f of unsetFields) {
      if (!Object.hasOwn(doc, f)) continue;
      delete next[f];
      changed.add(f);
    }
    return { next, changed };
  };
}

/** The document after a counter update, its changed top-level fields and the change stream's description. */
export interface CounterResult extends SimpleResult {
  description: UpdateDescription;
}

interface CounterTarget {
  op: '$inc' | '$max' | '$min';
  path: string;
  parts: string[];
  arg: number | Date;
}

const isInt32Value = (v: unknown): v is number => typeof v === 'number' && isInt32Number(v);
const isValidDate = (v: unknown): v is Date => v instanceof Date && !Number.isNaN(v.getTime());
const COUNTER_OPS = new Set(['$inc', '$max', '$min']);

/** mongod's order of application (modifier.ts), for paths without numeric components: by component. */
function byComponents(a: CounterTarget, b: CounterTarget): number {
  for (let i = 0; i < Math.min(a.parts.length, b.parts.length); i++) {
    const x = a.parts[i]!;
    const y = b.parts[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.parts.length - b.parts.length;
}

/**
 * `$inc`, `$max` and `$min` of int32 amounts and dates on dotted paths through embedded documents
 * — the shape of a counter document's upsert (`{$inc: {'v.ALLOWED': 1, 'c.card': 1}, $max: {last}}`),
 * which names dozens of fields — applied directly: the full path (modifier.ts) compiles each
 * operator per path, deep-copies the document and then diffs it for the change stream's
 * `updateDescription`. The result is what the full path produces: values, field order (new fields
 * appended in field-name order, missing embedded documents created), "modified" and the
 * description (paths as mongod reports them: the leaf, or the first component that was missing).
 * Returns undefined for any other update; the compiled function returns undefined for a document
 * it does not take (a counter that is not an int32, an int32 sum that overflows, a date compared
 * with another type, a path through a non-document), which then takes the full path and its
 * promotions and errors.
 */
export function compileCounterUpdate(u: Document | Document[], arrayFilters: Document[] | undefined): ((doc: Document) => CounterResult | undefined) | undefined {
  if (Array.isArray(u) || (arrayFilters && arrayFilters.length > 0)) return undefined;
  const ops = Object.keys(u);
  if (ops.length === 0 || !ops.every((op) => COUNTER_OPS.has(op))) return undefined;
  const targets: CounterTarget[] = [];
  for (const op of ops as CounterTarget['op'][]) {
    const spec = u[op] as unknown;
    if (!isPlainObject(spec)) return undefined;
    for (const [path, arg] of Object.entries(spec)) {
      const parts = path.split('.');
      if (!parts.every(isSimpleField)) return undefined;
      if (!isInt32Value(arg) && !(op !== '$inc' && isValidDate(arg))) return undefined;
      targets.push({ op, path, parts, arg });
    }
  }
  if (targets.length === 0) return undefined;
  targets.sort(byComponents);
  // The same path twice, or one inside another: a conflict (code 40) the full path reports.
  for (let i = 1; i < targets.length; i++) {
    const a = targets[i - 1]!.path;
    const b = targets[i]!.path;
    if (a === b || b.startsWith(`${a}.`)) return undefined;
  }
  // The description lists paths in string order, as describeUpdate does.
  const described = [...targets].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return (doc) => {
    const next: Document = { ...doc };
    const fresh = new Set<object>([next]);
    const changedLeaves = new Set<CounterTarget>();
    const changed = new Set<string>();
    for (const t of targets) {
      let cur: Record<string, unknown> = next;
      const last = t.parts.length - 1;
      for (let i = 0; i < last; i++) {
        const k = t.parts[i]!;
        let child: Record<string, unknown>;
        if (!Object.hasOwn(cur, k)) {
          child = {};
          fresh.add(child);
          cur[k] = child;
        } else {
          const existing = cur[k];
          if (!isPlainObject(existing)) return undefined;
          if (fresh.has(existing)) child = existing;
          else {
            child = { ...existing };
            fresh.add(child);
            cur[k] = child;
          }
        }
        cur = child;
      }
      const k = t.parts[last]!;
      if (!Object.hasOwn(cur, k)) {
        cur[k] = t.arg;
      } else {
        const current = cur[k];
        if (typeof t.arg === 'number') {
          if (!isInt32Value(current)) return undefined;
          if (t.op === '$inc') {
            const sum = current + t.arg;
            if (!isInt32Number(sum)) return undefined;
            if (sum === current) continue;
            cur[k] = sum;
          } else if (t.op === '$max' ? t.arg > current : t.arg < current) cur[k] = t.arg;
          else continue;
        } else {
          if (!isValidDate(current)) return undefined;
          const d = t.arg.getTime() - current.getTime();
          if (t.op === '$max' ? d > 0 : d < 0) cur[k] = t.arg;
          else continue;
        }
      }
      changedLeaves.add(t);
      changed.add(t.parts[0]!);
    }
    const description: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] };
    if (changed.size === 0) return { next, changed, description };
    // Where each change shows (describeUpdate): the leaf when its path existed, else the first
    // component that was missing, once, with the subtree created there.
    const reported = new Set<string>();
    for (const t of described) {
      let before: unknown = doc;
      let depth = 0;
      while (depth < t.parts.length && isPlainObject(before) && Object.hasOwn(before, t.parts[depth]!)) before = before[t.parts[depth++]!];
      if (depth === t.parts.length) {
        if (changedLeaves.has(t)) {
          reported.add(t.path);
          description.updatedFields[t.path] = valueAt(next, t.parts);
        }
        continue;
      }
      const parts = t.parts.slice(0, depth + 1);
      const path = parts.join('.');
      if (coveredBy(reported, path)) continue;
      reported.add(path);
      description.updatedFields[path] = valueAt(next, parts);
    }
    return { next, changed, description };
  };
}

function valueAt(doc: Document, parts: readonly string[]): unknown {
  let v: unknown = doc;
  for (const p of parts) v = (v as Record<string, unknown>)[p];
  return v;
}

/** Whether `path` or one of its dotted prefixes was reported already. */
function coveredBy(reported: ReadonlySet<string>, path: string): boolean {
  if (reported.has(path)) return true;
  for (let at = path.indexOf('.'); at !== -1; at = path.indexOf('.', at + 1)) if (reported.has(path.slice(0, at))) return true;
  return false;
}
