import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { compileFilter, type Matcher } from '../query/matcher.js';
import { isPlainObject } from '../storage/indexKeys.js';
import type { PositionalResolver } from './pathWalk.js';
import type { Options } from 'mingo/types';

/** The query's predicates (top level and inside `$and`) on `arrayPath` or below it. */
function predicatesOn(query: Document, arrayPath: string, out: Document[] = []): Document[] {
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlainObject(clause)) predicatesOn(clause, arrayPath, out);
    } else if (key === arrayPath || key.startsWith(`${arrayPath}.`)) out.push({ [key]: value as unknown });
  }
  return out;
}

/** A document holding `value` at the dotted `path`, to test one array element against predicates. */
function probe(path: string, value: unknown): Document {
  const parts = path.split('.');
  let doc: unknown = value;
  for (let i = parts.length - 1; i >= 0; i--) doc = { [parts[i]!]: doc };
  return doc as Document;
}

/** The identifier an array filter is about: its single top-level field's first component. */
function filterIdentifier(filter: Document): string {
  const roots = [...new Set(Object.keys(filter).map((k) => k.split('.')[0]!))];
  if (roots.length !== 1) {
    throw mongoError('FailedToParse', `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${roots[0] ?? ''}' and '${roots[1] ?? ''}'`);
  }
  const id = roots[0]!;
  if (!/^[a-z][a-zA-Z0-9]*$/.test(id)) {
    throw mongoError('BadValue', `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${id}'`);
  }
  return id;
}

/**
 * Index of the first element of `array` (at `arrayPath`) that satisfies the query's predicates on
 * that path — the element the positional `$` stands for — or -1; undefined when the query has none.
 */
export function matchedIndex(query: Document | undefined, arrayPath: string, array: unknown[], options: Partial<Options>): number | undefined {
  const preds = query ? predicatesOn(query, arrayPath) : [];
  if (preds.length === 0) return undefined;
  const matches = compileFilter({ $and: preds }, options);
  return array.findIndex((e) => matches(probe(arrayPath, [e])));
}

/**
 * Resolves `$` against the document as it was before the update (the element the query matched),
 * and `$[id]` against the statement's arrayFilters. `used` collects identifiers seen in paths, so
 * the caller can refuse filters nothing used (code 9, as mongod does).
 */
export function positionalResolver(original: Document, query: Document | undefined, arrayFilters: Document[] | undefined, options: Partial<Options>): PositionalResolver & { identifiers: Set<string> } {
  const filters = new Map<string, Matcher>();
  for (const f of arrayFilters ?? []) {
    if (!isPlainObject(f)) throw mongoError('TypeMismatch', 'Each array filter must be an object');
    const id = filterIdentifier(f);
    if (filters.has(id)) throw mongoError('FailedToParse', `Found multiple array filters with the same top-level field name ${id}`);
    filters.set(id, compileFilter(f, options));
  }
  const positions = new Map<string, number>();
  return {
    identifiers: new Set(filters.keys()),
    positional(arrayPath, array) {
      const known = positions.get(arrayPath);
      if (known !== undefined) return known;
      // The element the query matched in the stored document, not in the half-updated copy.
      const index = matchedIndex(query, arrayPath, arrayAt(original, arrayPath) ?? array, options) ?? -1;
      if (index < 0) throw mongoError('BadValue', 'The positional operator did not find the match needed from the query.');
      positions.set(arrayPath, index);
      return index;
    },
    arrayFilter(id) {
      const matches = filters.get(id);
      if (!matches) throw mongoError('BadValue', `No array filter found for identifier '${id}'`);
      return (element) => matches({ [id]: element });
    },
  };
}

function arrayAt(doc: Document, path: string): unknown[] | undefined {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isPlainObject(cur)) cur = cur[part];
    else return undefined;
  }
  return Array.isArray(cur) ? cur : undefined;
}
