import type { Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { bsonTypeName } from '../bson/typeNames.js';
import { toNumber } from '../bson/typeOrder.js';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';
import { matchedIndex } from '../update/positional.js';
import { compileFilter, mingoOptions } from './matcher.js';
import { textScoreOf } from './textScore.js';

/**
 * Find projections as MongoDB 7 applies them: inclusion or exclusion (never both, but `_id`),
 * `_id` first and every other field in document order, `$slice` that keeps the other fields,
 * `$elemMatch` and the positional `$` on any array, `{$meta: 'textScore'}`, and computed fields
 * (aggregation expressions, evaluated by mingo).
 */
interface Node {
  children: Map<string, Node>;
  /** A leaf: keep (inclusion) or drop (exclusion) this field. */
  leaf?: boolean;
  slice?: [number, number | undefined];
  elemMatch?: (element: unknown) => boolean;
  positional?: boolean;
}

interface Plan {
  inclusion: boolean;
  root: Node;
  excludeId: boolean;
  computed: Document;
  meta: [string, string][];
  /** The array path under a positional `.$`, if any. */
  positional?: string;
}

const newNode = (): Node => ({ children: new Map() });

function nodeAt(root: Node, path: string[]): Node {
  let node = root;
  for (const part of path) {
    let next = node.children.get(part);
    if (!next) node.children.set(part, (next = newNode()));
    node = next;
  }
  return node;
}

function isFlag(v: unknown): boolean {
  const t = bsonTypeName(v);
  return t === 'bool' || t === 'int' || t === 'long' || t === 'double' || t === 'decimal';
}

function parseSlice(spec: unknown): [number, number | undefined] {
  if (Array.isArray(spec) && spec.length === 2 && spec.every((v) => Number.isInteger(toNumber(v)))) {
    const limit = toNumber(spec[1]);
    if (limit <= 0) throw mongoError('BadValue', `$slice limit must be positive`);
    return [toNumber(spec[0]), limit];
  }
  if (!Array.isArray(spec) && isFlag(spec) && Number.isInteger(toNumber(spec))) return [toNumber(spec), undefined];
  throw mongoError('BadValue', '$slice only supports numbers and [skip, limit] arrays');
}

function plan(spec: Document, filter: Document): Plan {
  const p: Plan = { inclusion: false, root: newNode(), excludeId: false, computed: {}, meta: [] };
  let included: string | undefined;
  let excluded: string | undefined;
  let idIncluded = false;
  for (const [path, value] of Object.entries(spec)) {
    if (path.endsWith('.$')) {
      const arrayPath = path.slice(0, -2);
      if (p.positional) throw mongoError('BadValue', 'Cannot specify more than one positional proj. per query.');
      p.positional = arrayPath;
      Object.assign(nodeAt(p.root, arrayPath.split('.')), { leaf: true, positional: true });
      included ??= path;
      continue;
    }
    const op = isPlainObject(value) ? Object.keys(value)[0] : undefined;
    if (op === '$slice' && Object.keys(value as Document).length === 1) {
      nodeAt(p.root, path.split('.')).slice = parseSlice((value as Document).$slice);
    } else if (op === '$elemMatch') {
      if (path.includes('.')) throw mongoError('BadValue', 'Cannot use $elemMatch projection on a nested field.');
      const matches = compileFilter({ v: { $elemMatch: (value as Document).$elemMatch as unknown } }, mingoOptions);
      Object.assign(nodeAt(p.root, [path]), { leaf: true, elemMatch: (e: unknown) => matches({ v: [e] }) });
      included ??= path;
    } else if (op === '$meta') {
      p.meta.push([path, String((value as Document).$meta)]);
    } else if (isFlag(value)) {
      const on = Boolean(toNumber(value));
      // `_id` is kept or dropped on its own, whatever the mode.
      if (path === '_id') {
        p.excludeId = !on;
        idIncluded = on;
        continue;
      }
      if (on) included ??= path;
      else excluded ??= path;
      nodeAt(p.root, path.split('.')).leaf = true;
    } else {
      p.computed[path] = value as unknown;
      included ??= path;
    }
  }
  if (included !== undefined && excluded !== undefined) {
    throw mongoError('Location31254', `Cannot do exclusion on field ${excluded} in inclusion projection`);
  }
  p.inclusion = included !== undefined || (idIncluded && excluded === undefined);
  if (p.positional && matchedIndex(filter, p.positional, [], mingoOptions) === undefined) {
    throw mongoError('BadValue', "positional operator '.$' requires corresponding field in query specifier");
  }
  return p;
}

function slice(v: unknown, [skip, limit]: [number, number | undefined]): unknown {
  if (!Array.isArray(v)) return v;
  if (limit === undefined) return skip >= 0 ? v.slice(0, skip) : v.slice(Math.max(0, v.length + skip));
  const start = skip >= 0 ? skip : Math.max(0, v.length + skip);
  return v.slice(start, start + limit);
}

/** The value kept for a projected leaf in inclusion mode, or undefined to drop the field. */
function leafValue(v: unknown, node: Node, path: string, filter: Document): unknown {
  if (node.elemMatch) {
    if (!Array.isArray(v)) return undefined;
    const hit: unknown = (v as unknown[]).find(node.elemMatch);
    return hit === undefined ? undefined : [hit];
  }
  if (node.positional) {
    if (!Array.isArray(v)) return v;
    const i = matchedIndex(filter, path, v, mingoOptions) ?? -1;
    if (i < 0) throw mongoError('BadValue', "Executor error during find command :: caused by :: positional operator '.$' couldn't find a matching element in the array");
    return [v[i]];
  }
  return node.slice ? slice(v, node.slice) : v;
}

function include(v: Record<string, unknown>, node: Node, prefix: string, filter: Document): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const child = node.children.get(key);
    if (!child) continue;
    const value = v[key];
    const path = prefix ? `${prefix}.${key}` : key;
    let kept: unknown;
    if (child.leaf) kept = leafValue(value, child, path, filter);
    else if (child.children.size === 0) kept = child.slice ? slice(value, child.slice) : undefined;
    else kept = includeValue(value, child, path, filter);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

function includeValue(value: unknown, node: Node, path: string, filter: Document): unknown {
  if (isPlainObject(value)) return include(value, node, path, filter);
  if (Array.isArray(value)) return value.filter((e) => isPlainObject(e) || Array.isArray(e)).map((e) => includeValue(e, node, path, filter));
  return undefined;
}

function exclude(value: unknown, node: Node): unknown {
  if (Array.isArray(value)) return (value as unknown[]).map((e) => (isPlainObject(e) || Array.isArray(e) ? exclude(e, node) : e));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [key, child] of node.children) {
    if (!Object.hasOwn(out, key)) continue;
    if (child.leaf) delete out[key];
    else if (child.slice) out[key] = slice(out[key], child.slice);
    else out[key] = exclude(out[key], child);
  }
  return out;
}

/** Applies a find projection; `filter` is the query (for the positional `$`). */
export function applyProjection(docs: Document[], spec: Document | undefined, filter: Document = {}): Document[] {
  if (!spec || Object.keys(spec).length === 0) return docs;
  const p = plan(spec, filter);
  const computed = Object.keys(p.computed).length > 0 ? new Aggregator([{ $project: { _id: 0, ...p.computed } }], mingoOptions).run<Document>(docs) : undefined;
  return docs.map((doc, i) => {
    let out: Document;
    if (p.inclusion) {
      out = include(doc, p.root, '', filter);
      if (!p.excludeId && '_id' in doc) out = { _id: doc._id as unknown, ...out };
    } else {
      out = exclude(doc, p.root) as Document;
      if (p.excludeId) delete out._id;
    }
    if (computed) Object.assign(out, computed[i]);
    for (const [field, kind] of p.meta) if (kind === 'textScore') out[field] = textScoreOf(doc) ?? 0;
    return out;
  });
}
