import { serialize, type Document } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { decodeDocument } from '../bson/codec.js';
import { valuesEqual } from '../bson/compare.js';
import { mongoError } from '../errors.js';
import { mingoOptions } from '../query/matcher.js';
import { applyModifier, checkModifier } from './modifier.js';

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
  return decodeDocument(serialize(doc));
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
    next = cloneDoc(doc);
    applyModifier(next, u, { query: opts.query, arrayFilters: opts.arrayFilters, inserting: opts.inserting, original: doc, matchOptions: { ...mingoOptions, variables: opts.variables } });
  }
  if ('_id' in doc && !valuesEqual(next._id, doc._id)) throw immutableId();
  return idFirst(next);
}

/**
 * Refuses an update mongod would refuse at parse time, before looking for documents: for a
 * statement that matched none (one that matched is checked as it is applied).
 */
export function checkUpdate(u: Document | Document[], opts: Pick<UpdateOptions, 'arrayFilters' | 'variables'> = {}): void {
  if (Array.isArray(u)) return;
  if (!isOperatorUpdate(u)) return checkReplacement(u);
  checkModifier(u, opts.arrayFilters, { ...mingoOptions, variables: opts.variables });
}

function immutableId(): Error {
  return mongoError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
}
