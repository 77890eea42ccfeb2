import type { Document } from 'bson';
import { encodeKey } from '../bson/keyEncoding.js';
import { TypeRank, typeRank } from '../bson/typeOrder.js';
import type { Matcher } from '../query/matcher.js';
import { caseInsensitive } from '../query/collation.js';

/** A stored index definition, exactly as listIndexes reports it. */
export interface IndexSpec extends Document {
  v: number;
  key: Record<string, number | string>;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Document;
}

export interface IndexKeyer {
  fields: string[][];
  directions: number[];
  /** Only ascending/descending keys are maintained; text, hashed and geo specs are catalogued only. */
  maintained: boolean;
  partial?: Matcher;
  /**
   * For an index with a case-insensitive collation (strength 1 or 2): the form a string takes in
   * its keys, so 'Val' and 'val' are one key (a unique index refuses the second, as mongod does).
   * Such keys are not in binary order, so the planner never reads these indexes.
   */
  fold?: (v: unknown) => unknown;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeRank(v) === TypeRank.object;
}

/** All values a dotted path reaches, fanning out across arrays the way multikey indexes do. */
interface PathWalk {
  path: readonly string[];
  values: unknown[];
  multikey: boolean;
}

// A top-level function rather than a closure: this runs for every index of every written document.
function walk(state: PathWalk, v: unknown, i: number): void {
  const { path, values } = state;
  if (i === path.length) {
    if (Array.isArray(v)) {
      state.multikey = true;
      if (v.length === 0) values.push(undefined);
      else for (const element of v as unknown[]) values.push(element); // no spread: arrays may be huge
    } else values.push(v);
    return;
  }
  const part = path[i]!;
  if (Array.isArray(v)) {
    state.multikey = true;
    if (/^\d+$/.test(part)) return walk(state, v[Number(part)], i + 1);
    const before = values.length;
    for (const item of v as unknown[]) if (isPlainObject(item) || Array.isArray(item)) walk(state, item, i);
    if (values.length === before) values.push(undefined);
    return;
  }
  if (isPlainObject(v)) return walk(state, v[part], i + 1);
  values.push(undefined);
}

export function pathValues(doc: unknown, path: readonly string[]): { values: unknown[]; multikey: boolean } {
  const state: PathWalk = { path, values: [], multikey: false };
  walk(state, doc, 0);
  return state;
}

function folder(collation: unknown): ((v: unknown) => unknown) | undefined {
  if (!isPlainObject(collation) || !caseInsensitive(collation)) return undefined;
  // Strength 1 also ignores diacritics; 2 ignores case only.
  const base = Number(collation.strength) === 1;
  return (v) => (typeof v !== 'string' ? v : base ? v.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase() : v.toLowerCase());
}

export function makeKeyer(spec: IndexSpec, partial?: Matcher): IndexKeyer {
  const entries = Object.entries(spec.key);
  const fold = folder(spec.collation);
  return {
    fields: entries.map(([f]) => f.split('.')),
    directions: entries.map(([, d]) => (typeof d === 'number' && d < 0 ? -1 : 1)),
    maintained: entries.every(([, d]) => typeof d === 'number'),
    partial,
    ...(fold ? { fold } : {}),
  };
}

function keyOf(keyer: IndexKeyer, tuple: unknown[]): Buffer {
  return encodeKey(keyer.fold ? tuple.map(keyer.fold) : tuple, keyer.directions);
}

/** Encoded keys for one document (several when multikey), or none when sparse/partial excludes it. */
export function documentKeys(
  keyer: IndexKeyer,
  spec: IndexSpec,
  doc: Document,
): { keys: Buffer[]; values: unknown[][]; multikey: boolean; multikeyFields: number } {
  if (!keyer.maintained || (keyer.partial && !keyer.partial(doc))) return { keys: [], values: [], multikey: false, multikeyFields: 0 };
  let multikey = false;
  // Bit i: field i reached an array in this document (mongod's path-level multikey info).
  let multikeyFields = 0;
  let allMissing = true;
  const perField = keyer.fields.map((path, i) => {
    const r = pathValues(doc, path);
    multikey ||= r.multikey;
    if (r.multikey) multikeyFields |= 1 << i;
    if (r.values.some((v) => v !== undefined)) allMissing = false;
    return r.values;
  });
  if (spec.sparse && allMissing) return { keys: [], values: [], multikey: false, multikeyFields: 0 };
  if (perField.every((vals) => vals.length === 1)) {
    const tuple = perField.map((vals) => vals[0]);
    return { keys: [keyOf(keyer, tuple)], values: [tuple], multikey, multikeyFields };
  }
  // A compound key is its components' encodings one after another (encodeKey writes each on its
  // own), so each value is encoded once, not once per key it is part of: a word of a `{terms, id}`
  // index costs one encoding, and `id` one for all the words. Components are prefix-free, so
  // distinct components make distinct keys: duplicates are dropped per field.
  const parts = perField.map((vals, i) => distinctComponents(keyer, vals, keyer.directions[i]!));
  let values: unknown[][] = [[]];
  let encoded: Buffer[][] = [[]];
  for (const { components, values: fieldValues } of parts) {
    const nextValues: unknown[][] = [];
    const nextEncoded: Buffer[][] = [];
    for (let t = 0; t < values.length; t++) {
      for (let c = 0; c < components.length; c++) {
        nextValues.push([...values[t]!, fieldValues[c]]);
        nextEncoded.push([...encoded[t]!, components[c]!]);
      }
    }
    values = nextValues;
    encoded = nextEncoded;
  }
  const keys = encoded.map((pieces) => (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)));
  return { keys, values, multikey, multikeyFields };
}

/**
 * One field's values encoded as key components, each distinct encoding once (in order of first
 * appearance, with the last value that encodes to it: what keyed the old per-key dedupe).
 */
function distinctComponents(keyer: IndexKeyer, vals: readonly unknown[], direction: number): { components: Buffer[]; values: unknown[] } {
  const encode = (v: unknown) => encodeKey([keyer.fold ? keyer.fold(v) : v], [direction]);
  if (vals.length === 1) return { components: [encode(vals[0])], values: [vals[0]] };
  const at = new Map<string, number>();
  const components: Buffer[] = [];
  const values: unknown[] = [];
  for (const v of vals) {
    const component = encode(v);
    const name = component.toString('latin1');
    const seen = at.get(name);
    if (seen !== undefined) values[seen] = v;
    else {
      at.set(name, components.length);
      components.push(component);
      values.push(v);
    }
  }
  return { components, values };
}
