import type { Document } from 'bson';
import { topLevelString } from '../bson/rawField.js';

/** A document change as the oplog knows it before its body is decoded. */
export type OperationType = 'insert' | 'update' | 'replace' | 'delete';

/**
 * false only when no event of this collection and operation can pass the stages' leading $match.
 * `fullDocument` is the event's full document still in BSON, when the entry carries it (inserts
 * and replacements).
 */
export type Gate = (coll: string, operationType: OperationType, fullDocument?: Buffer) => boolean;

const ALWAYS: Gate = () => true;

/**
 * A cheap necessary condition drawn from a stream's leading `$match` stages, checked before an
 * oplog entry is decoded into an event: a database-wide stream that only wants some collections
 * (or only inserts) then skips every other entry without deserializing its document or running
 * its stages. Only `ns.coll`, `operationType` and top-level `fullDocument.<field>` conditions
 * (equality, `$eq`, `$in`, `$ne`, `$nin` with strings, under `$and`/`$or`) restrict; a
 * `fullDocument` field restricts only when the raw document holds it once, as a string (so a
 * server's stream skips its own inserts by their `writer` without decoding them). Anything else
 * lets the entry through to the real filter, so the gate never drops an event the stages would
 * have kept. Command events (drop, rename…) never reach it.
 */
export function gateOf(stages: readonly Document[]): Gate {
  const gates: Gate[] = [];
  for (const stage of stages) {
    const match: unknown = stage.$match;
    if (match === undefined) break;
    gates.push(filterGate(match));
  }
  if (gates.length === 0) return ALWAYS;
  return (coll, op, doc) => gates.every((g) => g(coll, op, doc));
}

function filterGate(filter: unknown): Gate {
  if (!isPlainObject(filter)) return ALWAYS;
  const parts: Gate[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition) || condition.length === 0) return ALWAYS;
      const branches = condition.map(filterGate);
      parts.push(
        key === '$and'
          ? (coll, op, doc) => branches.every((g) => g(coll, op, doc))
          : (coll, op, doc) => branches.some((g) => g(coll, op, doc)),
      );
    } else if (key === 'ns.coll') {
      const test = valueTest(condition);
      if (test) parts.push((coll) => test(coll));
    } else if (key === 'operationType') {
      const test = valueTest(condition);
      if (test) parts.push((_coll, op) => test(op));
    } else if (/^fullDocument\.[^.$][^.]*$/.test(key)) {
      const test = valueTest(condition);
      const field = Buffer.from(key.slice('fullDocument.'.length), 'utf8');
      if (test)
        parts.push((_coll, _op, doc) => {
          const value = doc && topLevelString(doc, field);
          return value === undefined || test(value);
        });
    }
    // Any other field ($nor, $expr, fullDocument…, ns as a whole): no restriction from it.
  }
  if (parts.length === 0) return ALWAYS;
  return (coll, op, doc) => parts.every((g) => g(coll, op, doc));
}

/**
 * A test of one string value, when the condition is one whose outcome on a string is certain:
 * a string literal, or an operator object made only of `$eq`/`$ne` with a string and `$in`/`$nin`
 * with strings (regexes and other types are left to the real filter: undefined).
 */
function valueTest(condition: unknown): ((value: string) => boolean) | undefined {
  if (typeof condition === 'string') return (v) => v === condition;
  if (!isPlainObject(condition)) return undefined;
  const tests: Array<(value: string) => boolean> = [];
  for (const [op, operand] of Object.entries(condition)) {
    if ((op === '$eq' || op === '$ne') && typeof operand === 'string')
      tests.push(op === '$eq' ? (v) => v === operand : (v) => v !== operand);
    else if ((op === '$in' || op === '$nin') && isStringArray(operand)) {
      const set = new Set(operand);
      tests.push(op === '$in' ? (v) => set.has(v) : (v) => !set.has(v));
    } else return undefined;
  }
  if (tests.length === 0) return undefined;
  return (v) => tests.every((t) => t(v));
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The collections a database-wide stream can get document events from, when its leading `$match`
 * stages name them (`ns.coll` as a string, `$eq` or `$in` of strings, under `$and`/`$or`); null
 * when any collection may pass. The oplog then reads only those collections' entries (and
 * commands): writes elsewhere in the database cost the stream nothing, not even a row read.
 */
export function collectionsOf(stages: readonly Document[]): ReadonlySet<string> | null {
  let result: Set<string> | null = null;
  for (const stage of stages) {
    const match: unknown = stage.$match;
    if (match === undefined) break;
    result = intersect(result, filterCollections(match));
  }
  return result;
}

function filterCollections(filter: unknown): Set<string> | null {
  if (!isPlainObject(filter)) return null;
  let result: Set<string> | null = null;
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(condition)) {
      for (const branch of condition) result = intersect(result, filterCollections(branch));
    } else if (key === '$or' && Array.isArray(condition) && condition.length > 0) {
      const union = new Set<string>();
      let finite = true;
      for (const branch of condition) {
        const colls = filterCollections(branch);
        if (!colls) finite = false;
        else for (const c of colls) union.add(c);
      }
      if (finite) result = intersect(result, union);
    } else if (key === 'ns.coll') result = intersect(result, positiveValues(condition));
  }
  return result;
}

/** The values a condition can equal, when finite: a string, `{$eq: s}`, `{$in: [s…]}` (and both). */
function positiveValues(condition: unknown): Set<string> | null {
  if (typeof condition === 'string') return new Set([condition]);
  if (!isPlainObject(condition)) return null;
  let result: Set<string> | null = null;
  for (const [op, operand] of Object.entries(condition)) {
    if (op === '$eq' && typeof operand === 'string') result = intersect(result, new Set([operand]));
    else if (op === '$in' && isStringArray(operand)) result = intersect(result, new Set(operand));
    // $ne/$nin and anything else narrow the set further but never widen it: ignoring them is safe.
  }
  return result;
}

/** null is "every collection". */
function intersect(a: Set<string> | null, b: Set<string> | null): Set<string> | null {
  if (!a) return b;
  if (!b) return a;
  return new Set([...a].filter((x) => b.has(x)));
}
