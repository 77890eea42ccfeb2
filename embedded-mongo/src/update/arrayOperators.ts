import type { Document } from 'bson';
import { compareValues, valuesEqual } from '../bson/compare.js';
import { bsonTypeName } from '../bson/typeNames.js';
import { toNumber } from '../bson/typeOrder.js';
import { mongoError } from '../errors.js';
import { compileFilter, mingoOptions } from '../query/matcher.js';
import { isPlainObject, pathValues } from '../storage/indexKeys.js';
import type { OperatorSpec } from './operators.js';
import { showElement, type Container } from './pathWalk.js';

const isInteger = (v: unknown): boolean => {
  const t = bsonTypeName(v);
  return t === 'int' || t === 'long' || (t === 'double' && Number.isInteger(toNumber(v)));
};

function slot(c: Container, k: string | number): unknown {
  return (c as Record<string | number, unknown>)[k];
}

function put(c: Container, k: string | number, value: unknown): void {
  if (Array.isArray(c)) while (c.length < (k as number)) c.push(null);
  (c as Record<string | number, unknown>)[k] = value;
}

function idText(doc: Document): string {
  return showElement('_id', doc._id);
}

type SortSpec = 1 | -1 | Record<string, 1 | -1>;

function parseSortSpec(spec: unknown): SortSpec {
  const dir = (v: unknown) => (v === 1 || v === -1 ? v : undefined);
  if (dir(Number(spec)) !== undefined && typeof spec !== 'object') return Number(spec) as 1 | -1;
  if (isPlainObject(spec) && Object.keys(spec).length > 0 && Object.values(spec).every((v) => dir(Number(v)) !== undefined)) {
    return Object.fromEntries(Object.entries(spec).map(([f, v]) => [f, Number(v) as 1 | -1]));
  }
  throw mongoError('BadValue', 'The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields');
}

function sortArray(arr: unknown[], spec: SortSpec): void {
  if (typeof spec === 'number') {
    arr.sort((a, b) => compareValues(a, b) * spec);
    return;
  }
  const fields = Object.entries(spec).map(([f, d]) => [f.split('.'), d] as const);
  const key = (v: unknown, path: string[]) => (isPlainObject(v) ? (pathValues(v, path).values[0] ?? null) : null);
  arr.sort((a, b) => {
    for (const [path, d] of fields) {
      const r = compareValues(key(a, path), key(b, path)) * d;
      if (r !== 0) return r;
    }
    return 0;
  });
}

const push: OperatorSpec = {
  creating: true,
  compile(_path, arg) {
    const withEach = isPlainObject(arg) && '$each' in arg;
    const mods = withEach ? arg : { $each: [arg] };
    for (const m of Object.keys(mods)) {
      if (!['$each', '$slice', '$sort', '$position'].includes(m)) throw mongoError('BadValue', `Unrecognized clause in $push: ${m}`);
    }
    if (!Array.isArray(mods.$each)) throw mongoError('BadValue', `The argument to $each in $push must be an array but it was of type: ${bsonTypeName(mods.$each)}`);
    const each = mods.$each as unknown[];
    for (const m of ['$slice', '$position'] as const) {
      if (mods[m] !== undefined && !isInteger(mods[m])) throw mongoError('BadValue', `The value for ${m} must be an integer value but was given type: ${bsonTypeName(mods[m])}`);
    }
    const slice = mods.$slice === undefined ? undefined : toNumber(mods.$slice);
    const position = mods.$position === undefined ? undefined : toNumber(mods.$position);
    const sort = mods.$sort === undefined ? undefined : parseSortSpec(mods.$sort);
    return (doc) => (c, k, present) => {
      const current = present ? slot(c, k) : undefined;
      if (present && !Array.isArray(current)) {
        throw mongoError('BadValue', `The field '${String(k)}' must be an array but is of type ${bsonTypeName(current)} in document ${idText(doc)}`);
      }
      const arr = (current as unknown[] | undefined) ?? [];
      const at = position === undefined ? arr.length : position < 0 ? Math.max(0, arr.length + position) : Math.min(position, arr.length);
      arr.splice(at, 0, ...each);
      if (sort !== undefined) sortArray(arr, sort);
      if (slice !== undefined && slice < 0) arr.splice(0, Math.max(0, arr.length + slice));
      else if (slice !== undefined) arr.splice(slice);
      put(c, k, arr);
    };
  },
};

const addToSet: OperatorSpec = {
  creating: true,
  compile(_path, arg) {
    const withEach = isPlainObject(arg) && '$each' in arg;
    if (withEach && !Array.isArray(arg.$each)) throw mongoError('TypeMismatch', `The argument to $each in $addToSet must be an array but it was of type ${bsonTypeName(arg.$each)}`);
    const values = withEach ? (arg.$each as unknown[]) : [arg];
    return () => (c, k, present) => {
      const current = present ? slot(c, k) : undefined;
      if (present && !Array.isArray(current)) {
        throw mongoError('BadValue', `Cannot apply $addToSet to non-array field. Field named '${String(k)}' has non-array type ${bsonTypeName(current)}`);
      }
      const arr = (current as unknown[] | undefined) ?? [];
      for (const v of values) if (!arr.some((e) => valuesEqual(e, v))) arr.push(v);
      put(c, k, arr);
    };
  },
};

const pop: OperatorSpec = {
  creating: false,
  compile(_path, arg) {
    const n = typeof arg === 'object' || typeof arg === 'number' ? toNumber(arg) : NaN;
    if (n !== 1 && n !== -1) throw mongoError('FailedToParse', `$pop expects 1 or -1, found: ${String(arg)}`);
    return () => (c, k, present, path) => {
      if (!present) return;
      const current = slot(c, k);
      if (!Array.isArray(current)) throw mongoError('TypeMismatch', `Path '${path}' contains an element of non-array type '${bsonTypeName(current)}'`);
      if (n === 1) current.pop();
      else current.shift();
    };
  },
};

/**
 * What `$pull` removes, as mongod decides it: a document of field conditions or logical
 * operators (`{_id: x}`, `{$or: [...]}`) is a query on each (object) element; an operator
 * condition (`{$gte: 5}`, `{$in: [...]}`) or a regex applies to the element itself; anything
 * else is an equality.
 */
function pullMatcher(spec: unknown): (element: unknown) => boolean {
  if (isPlainObject(spec)) {
    const first = Object.keys(spec)[0];
    const logical = first === '$and' || first === '$or' || first === '$nor' || first === '$expr' || first === '$where' || first === '$text' || first === '$comment';
    if (first === undefined || !first.startsWith('$') || logical) {
      const matches = compileFilter(spec, mingoOptions);
      return (e) => isPlainObject(e) && matches(e);
    }
  }
  if (isPlainObject(spec) || spec instanceof RegExp || bsonTypeName(spec) === 'regex') {
    const matches = compileFilter({ v: spec }, mingoOptions);
    return (e) => matches({ v: e });
  }
  return (e) => valuesEqual(e, spec);
}

function removing(name: '$pull' | '$pullAll', remove: (arg: unknown) => (element: unknown) => boolean): OperatorSpec {
  return {
    creating: false,
    compile(_path, arg) {
      if (name === '$pullAll' && !Array.isArray(arg)) throw mongoError('BadValue', `$pullAll requires an array argument but was given a ${bsonTypeName(arg)}`);
      const matches = remove(arg);
      return () => (c, k, present) => {
        if (!present) return;
        const current = slot(c, k);
        if (!Array.isArray(current)) throw mongoError('BadValue', 'Cannot apply $pull to a non-array value');
        put(c, k, current.filter((e) => !matches(e)));
      };
    },
  };
}

export const arrayOperators: Record<string, OperatorSpec> = {
  $push: push,
  $addToSet: addToSet,
  $pop: pop,
  $pull: removing('$pull', pullMatcher),
  $pullAll: removing('$pullAll', (arg) => (e) => (arg as unknown[]).some((v) => valuesEqual(e, v))),
};
