import { serialize, type Document } from 'bson';
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
