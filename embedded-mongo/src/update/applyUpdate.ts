import { deserialize, serialize, type Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { update as mingoUpdate } from 'mingo/updater';
import type { Modifier } from 'mingo/updater';
import { MingoError } from 'mingo/util';
import { valuesEqual } from '../bson/compare.js';
import { mongoError } from '../errors.js';
import { mingoOptions } from '../query/matcher.js';
import { applyWrapperArithmetic } from './numericWrappers.js';

const OPERATORS = new Set([
  '$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$currentDate', '$push', '$addToSet',
  '$pop', '$pull', '$pullAll', '$bit', '$setOnInsert',
]);

export interface UpdateOptions {
  arrayFilters?: Document[];
  /** The query, needed by the positional `$` operator. */
  query?: Document;
  /** True when building an upserted document, so $setOnInsert applies. */
  inserting?: boolean;
  /** `let` variables for pipeline updates and `$expr`. */
  variables?: Document;
}

/** A deep copy that keeps BSON classes (ObjectId, Long, ...) intact, unlike structuredClone. */
export function cloneDoc(doc: Document): Document {
  return deserialize(serialize(doc));
}

/** `_id` first, as MongoDB stores it. */
export function idFirst(doc: Document): Document {
  if (!('_id' in doc) || Object.keys(doc)[0] === '_id') return doc;
  const { _id, ...rest } = doc as { _id: unknown };
  return { _id, ...rest };
}

export function isOperatorUpdate(u: Document): boolean {
  const keys = Object.keys(u);
  return keys.length > 0 && keys[0]!.startsWith('$');
}

export function checkReplacement(u: Document): void {
  for (const k of Object.keys(u)) {
    if (k.startsWith('$')) throw mongoError('DollarPrefixedFieldName', `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`);
  }
}

/** Rejects unknown modifiers and two operators touching the same path (MongoDB codes 9 and 40). */
function validateModifier(u: Document): void {
  const paths: string[] = [];
  for (const [op, fields] of Object.entries(u)) {
    if (!OPERATORS.has(op)) {
      throw mongoError('FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw mongoError('FailedToParse', `Modifiers operate on fields but we found type ${Array.isArray(fields) ? 'array' : typeof fields} instead. For example: {$mod: {<field>: ...}} not {${op}: ${String(fields)}}`);
    }
    for (const [path, value] of Object.entries(fields as Document)) {
      paths.push(path);
      if (op === '$rename' && typeof value === 'string') paths.push(value);
    }
  }
  const norm = paths.map((p) => p.split('.').filter((s) => !s.startsWith('$')).join('.'));
  for (let i = 0; i < norm.length; i++) {
    for (let j = i + 1; j < norm.length; j++) {
      const a = norm[i]!;
      const b = norm[j]!;
      if (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)) {
        throw mongoError('ConflictingUpdateOperators', `Updating the path '${paths[j]}' would create a conflict at '${paths[i]}'`);
      }
    }
  }
}

function applyPipeline(doc: Document, pipeline: Document[], variables?: Document): Document {
  const [out] = new Aggregator(pipeline, { ...mingoOptions, variables }).run<Document>([doc]);
  return out ?? {};
}

/**
 * Computes the updated document without touching the input. Handles what mingo lacks:
 * $setOnInsert, replacement documents and `_id` immutability.
 */
export function applyUpdate(doc: Document, u: Document | Document[], opts: UpdateOptions = {}): Document {
  let next: Document;
  if (Array.isArray(u)) {
    next = applyPipeline(cloneDoc(doc), u, opts.variables);
    if ('_id' in doc && !('_id' in next)) next = { _id: doc._id as unknown, ...next };
  } else if (!isOperatorUpdate(u)) {
    checkReplacement(u);
    next = '_id' in doc ? { ...cloneDoc(u), _id: doc._id as unknown } : cloneDoc(u);
    if ('_id' in u && '_id' in doc && !valuesEqual(u._id, doc._id)) throw immutableId();
  } else {
    validateModifier(u);
    const { $setOnInsert, ...rest } = u as Document & { $setOnInsert?: Document };
    let modifier: Document = opts.inserting && $setOnInsert ? { ...rest, $set: { ...(rest.$set as Document | undefined), ...$setOnInsert } } : rest;
    if (!opts.inserting) modifier = withoutIdNoOps(doc, modifier);
    next = cloneDoc(doc);
    modifier = applyWrapperArithmetic(next, modifier);
    if (Object.keys(modifier).length > 0) {
      // mingo re-checks `condition` before updating; only the positional `$` operator needs it.
      const positional = Object.values(modifier).some((f) => Object.keys(f as Document).some((p) => /\.\$(\.|$)/.test(p)));
      try {
        mingoUpdate(next, modifier as Modifier<Document>, opts.arrayFilters, positional ? opts.query : undefined, { cloneMode: 'deep', queryOptions: { ...mingoOptions, variables: opts.variables } });
      } catch (err) {
        // mingo's refusals are about this statement: a write error for it, not a failed command
        // that would roll back the batch's other statements.
        if (err instanceof MingoError) throw mongoError('BadValue', err.message);
        throw err;
      }
    }
  }
  if ('_id' in doc && !valuesEqual(next._id, doc._id)) throw immutableId();
  return idFirst(next);
}

/**
 * MongoDB refuses an update path on `_id` only when it would change it (`$set: {_id: <same>}` is
 * a no-op); mingo refuses any. Drops the no-ops and raises ImmutableField (66) for the rest.
 */
function withoutIdNoOps(doc: Document, modifier: Document): Document {
  let out = modifier;
  for (const [op, fields] of Object.entries(modifier)) {
    for (const [path, value] of Object.entries(fields as Document)) {
      const target = op === '$rename' && typeof value === 'string' ? value : path;
      if (path !== '_id' && !path.startsWith('_id.') && target !== '_id' && !target.startsWith('_id.')) continue;
      if (op !== '$set' || path !== '_id' || !('_id' in doc) || !valuesEqual(value, doc._id)) throw immutableId();
      const { _id: _same, ...others } = fields as Document;
      out = { ...out, [op]: others };
      if (Object.keys(others).length === 0) delete out[op];
    }
  }
  return out;
}

function immutableId(): Error {
  return mongoError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
}
