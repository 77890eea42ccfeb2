import type { Document } from 'bson';
import { bsonTypeOf } from '../bson/typeOrder.js';
import type { Matcher } from './matcher.js';

/** A field's verdict on one document: decided, or `undefined` when only the full matcher can tell. */
type FieldTest = (value: unknown) => boolean | undefined;

const SIMPLE_FIELD = /^[^$.\0]+$/;

interface ObjectIdLike {
  equals(other: unknown): boolean;
}

function fieldTest(expected: unknown): FieldTest | undefined {
  // Objects (arrays, Longs, Dates, …) in the document defer to mingo: arrays match by element,
  // numeric wrappers compare across types.
  const deferObjects = (same: (v: unknown) => boolean, kind: string): FieldTest => (v) =>
    typeof v === kind ? same(v) : typeof v === 'object' && v !== null ? undefined : typeof v === 'bigint' ? undefined : false;
  if (typeof expected === 'string' || typeof expected === 'boolean') return deferObjects((v) => v === expected, typeof expected);
  // NaN equals NaN in MongoDB's matching but not in JS; leave it to mingo.
  if (typeof expected === 'number') return Number.isNaN(expected) ? undefined : deferObjects((v) => v === expected, 'number');
  if (expected === null) return (v) => (v === null || v === undefined ? true : typeof v === 'object' || typeof v === 'bigint' ? undefined : false);
  // A date equals a date of the same instant; any other object (an array of dates…) defers.
  if (expected instanceof Date) {
    const time = expected.getTime();
    if (Number.isNaN(time)) return undefined;
    return (v) => (v instanceof Date ? v.getTime() === time : typeof v === 'object' || typeof v === 'bigint' ? undefined : false);
  }
  if (typeof expected === 'object' && bsonTypeOf(expected) === 'ObjectId') {
    const id = expected as ObjectIdLike;
    return (v) => (typeof v !== 'object' || v === null ? false : bsonTypeOf(v) === 'ObjectId' ? id.equals(v) : undefined);
  }
  return undefined;
}

/**
 * A matcher for the commonest filter shape — top-level fields equal to a string, number, boolean,
 * null, date or ObjectId (`{ id: 7, outcome: null }`) — that decides most documents without mingo, whose
 * Query constructor copies its whole operator table (a large share of a point update's CPU).
 * Whenever a document holds an object or array where the filter expects a scalar, the full
 * matcher (built on first use) decides. Returns undefined for any other filter shape.
 */
export function simpleMatcher(filter: Document, full: () => Matcher): Matcher | undefined {
  const tests: [field: string, test: FieldTest][] = [];
  for (const [field, expected] of Object.entries(filter)) {
    if (!SIMPLE_FIELD.test(field)) return undefined;
    const test = fieldTest(expected);
    if (!test) return undefined;
    tests.push([field, test]);
  }
  let fallback: Matcher | undefined;
  return (doc) => {
    for (const [field, test] of tests) {
      const verdict = test(Object.hasOwn(doc, field) ? (doc[field] as unknown) : undefined);
      if (verdict === false) return false;
      if (verdict === undefined) return (fallback ??= full())(doc);
    }
    return true;
  };
}
