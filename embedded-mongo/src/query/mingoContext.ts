import { Context, evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { ensureArray, resolve } from 'mingo/util';
import { Query } from 'mingo/query';
import type { Options } from 'mingo/types';
import { DBRef } from 'bson';
import { compareValues } from '../bson/compare.js';
import { TypeRank, typeRank } from '../bson/typeOrder.js';
import { typeQueryOperators } from './typeOperators.js';
import { geoQueryOperators } from './geoQuery.js';
import { mongoError } from '../errors.js';

type QueryOps = NonNullable<NonNullable<Parameters<typeof Context.init>[0]>['query']>;
type Predicate = (obj: Record<string, unknown>) => boolean;
type QueryOperator = (selector: string, value: unknown, options: Options) => Predicate;

function candidates(obj: Record<string, unknown>, selector: string): unknown[] {
  return ensureArray(resolve(obj, selector, { unwrapArray: true }) as never);
}

/**
 * Range operators with MongoDB's type bracketing and BSON-aware comparison: mingo compares
 * Long and Decimal128 values as objects, so `{ amount: { $gt: 5 } }` missed them.
 */
function range(test: (c: number) => boolean): QueryOperator {
  return (selector, value) => (obj) => candidates(obj, selector).some((v) => typeRank(v) === typeRank(value) && test(compareValues(v, value)));
}

function numericEqual(obj: Record<string, unknown>, selector: string, values: unknown[]): boolean {
  const nums = values.filter((v) => typeRank(v) === TypeRank.number);
  if (nums.length === 0) return false;
  return candidates(obj, selector).some((v) => typeRank(v) === TypeRank.number && nums.some((n) => compareValues(v, n) === 0));
}

/** mingo's equality, widened so that 5, Long(5) and Decimal128('5') are equal as in MongoDB. */
function equality(base: QueryOperator, many: boolean, negate: boolean): QueryOperator {
  return (selector, value, options) => {
    const inner = base(selector, value, options);
    const values = many && Array.isArray(value) ? (value as unknown[]) : [value];
    return negate
      ? (obj) => inner(obj) && !numericEqual(obj, selector, values)
      : (obj) => inner(obj) || numericEqual(obj, selector, values);
  };
}

const q = queryOperators as unknown as Record<string, QueryOperator>;

/**
 * `$all` as MongoDB defines it: `{a: {$all: [x, y]}}` is `{$and: [{a: x}, {a: y}]}`, so a scalar
 * field equal to the single value matches too (mingo's `$all` only looked into arrays).
 */
const $all: QueryOperator = (selector, value, options) => {
  if (!Array.isArray(value)) throw mongoError('BadValue', '$all needs an array');
  const tests = value.map((v: unknown) => {
    const elemMatch = v !== null && typeof v === 'object' && Object.keys(v)[0] === '$elemMatch';
    if (elemMatch) return q.$elemMatch!(selector, (v as { $elemMatch: unknown }).$elemMatch, options);
    return v instanceof RegExp ? q.$regex!(selector, v, options) : bsonQueryOperators.$eq!(selector, v, options);
  });
  return (obj) => tests.length > 0 && tests.every((test) => test(obj));
};

const DBREF_FIELDS = new Set(['$id', '$ref', '$db']);

/** BSON decodes any {$ref, $id, …} (documents and criteria alike) as a DBRef: back to its fields. */
function dbRefFields(v: unknown): Record<string, unknown> {
  return v instanceof DBRef ? { $ref: v.collection, $id: v.oid, ...(v.db ? { $db: v.db } : {}), ...v.fields } : (v as Record<string, unknown>);
}

/**
 * `$elemMatch` whose criteria name DBRef fields (`{members: {$elemMatch: {$id: x}}}`): mongod
 * reads `$id`/`$ref`/`$db` as field names, mingo as unknown operators.
 */
const $elemMatch: QueryOperator = (selector, criteria, options) => {
  const c = dbRefFields(criteria);
  if (c === null || typeof c !== 'object' || !Object.keys(c).some((k) => DBREF_FIELDS.has(k))) return q.$elemMatch!(selector, criteria, options);
  const tests: Predicate[] = [];
  const rest: Record<string, unknown> = {};
  for (const [field, cond] of Object.entries(c)) {
    if (!DBREF_FIELDS.has(field)) rest[field] = cond;
    else if (cond !== null && typeof cond === 'object' && Object.keys(cond).length > 0 && Object.keys(cond).every((k) => k.startsWith('$'))) {
      for (const [op, arg] of Object.entries(cond)) tests.push((bsonQueryOperators[op] ?? q[op])!(field, arg, options));
    } else tests.push(bsonQueryOperators.$eq!(field, cond, options));
  }
  if (Object.keys(rest).length > 0) {
    const others = new Query(rest, options);
    tests.push((elem) => others.test(elem));
  }
  return (obj) => candidates(obj, selector).some((e) => e !== null && typeof e === 'object' && !Array.isArray(e) && tests.every((t) => t(dbRefFields(e))));
};

const bsonQueryOperators: Record<string, QueryOperator> = {
  $all,
  $elemMatch,
  $gt: range((c) => c > 0),
  $gte: range((c) => c >= 0),
  $lt: range((c) => c < 0),
  $lte: range((c) => c <= 0),
  $eq: equality(q.$eq!, false, false),
  $in: equality(q.$in!, true, false),
  $ne: equality(q.$ne!, false, true),
  $nin: equality(q.$nin!, true, true),
  ...typeQueryOperators,
  ...geoQueryOperators,
  // the pre-2.4 spelling, which mongod still accepts
  $within: geoQueryOperators.$geoWithin,
};

type Accumulator = (coll: unknown[], expr: unknown, options: Options) => unknown;
const acc = accumulatorOperators as unknown as Record<string, Accumulator>;

/**
 * `$top`/`$bottom` yield the output itself (mingo wraps it in a one-element array like
 * `$topN`). `$function` runs only functions mingo builds itself — `$setWindowFields` windows are
 * computed that way — never code sent by a client (BSON cannot carry a JS function).
 */
const fixedOperators = {
  accumulator: {
    $top: (coll: unknown[], expr: unknown, options: Options) => (acc.$topN!(coll, { ...(expr as object), n: 1 }, options) as unknown[])[0],
    $bottom: (coll: unknown[], expr: unknown, options: Options) => (acc.$bottomN!(coll, { ...(expr as object), n: 1 }, options) as unknown[])[0],
  },
  expression: {
    $function: (obj: unknown, expr: unknown, options: Options) => {
      const spec = expr as { body?: unknown; args?: unknown };
      if (typeof spec?.body !== 'function') throw new Error('$function is not supported by embedded-mongo: it would run JavaScript sent by the client');
      const args = evalExpr(obj, spec.args ?? [], options) as unknown[];
      return (spec.body as (...a: unknown[]) => unknown)(...args);
    },
  },
};

/** All of mingo's operators, with the BSON-aware comparisons above replacing its own. */
export const mingoContext: Context = Context.init({
  accumulator: { ...accumulatorOperators, ...fixedOperators.accumulator } as unknown as typeof accumulatorOperators,
  expression: { ...expressionOperators, ...fixedOperators.expression } as unknown as typeof expressionOperators,
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: { ...queryOperators, ...bsonQueryOperators } as unknown as QueryOps,
  window: windowOperators,
});
