import { deserialize, type Document } from 'bson';
import type { CommandBody, OplogEntry, StreamScope } from '../storage/oplog.js';
import { toTimestamp } from '../storage/oplogClock.js';
import { changeStreamError } from './errors.js';
import type { StreamSpec } from './spec.js';
import { encodeToken, type ResumePoint } from './token.js';

/** Reads a document's current version for `fullDocument: 'updateLookup'` (null once it is gone). */
export type Lookup = (db: string, coll: string, id: unknown) => Document | null;

/** An event ready for the stream's own stages, with the position it stands for. */
export interface Produced {
  event: Document;
  point: ResumePoint;
}

// Like mongod, a whole-deployment stream leaves out the internal databases.
const INTERNAL_DBS = new Set(['admin', 'config', 'local']);
const OPERATION = { i: 'insert', u: 'update', r: 'replace', d: 'delete' } as const;

interface UpdateBody {
  k: unknown;
  u: Document;
  r: string[];
  t: Document[];
}

function header(entry: OpTimeAndWall, point: ResumePoint, operationType: string): Document {
  return { _id: encodeToken(point), operationType, clusterTime: toTimestamp(entry), wallTime: new Date(entry.wall) };
}

function image(bytes: Buffer | null, mode: 'whenAvailable' | 'required', what: string, point: ResumePoint): Document | null {
  if (bytes) return deserialize(bytes);
  if (mode === 'whenAvailable') return null;
  throw changeStreamError(
    'NoMatchingDocument',
    `Change stream was configured to require a ${what} for all update, delete and replace events, but the ${what} was not found for event: ${JSON.stringify(encodeToken(point))} (enable changeStreamPreAndPostImages on the collection)`,
  );
}

/** insert, update, replace and delete events, shaped as mongod 7.0 shapes them. */
function documentEvent(entry: OplogEntry & { coll: string }, spec: StreamSpec, lookup: Lookup): Produced {
  const point: ResumePoint = { seq: entry.seq, t: entry.t, i: entry.i, kind: 'event' };
  const op = entry.op as keyof typeof OPERATION;
  const event = header(entry, point, OPERATION[op]);
  const ns = { db: entry.db, coll: entry.coll };
  if (op === 'i' || op === 'r') {
    const doc = deserialize(entry.body);
    Object.assign(event, { fullDocument: doc, ns, documentKey: { _id: doc._id as unknown } });
  } else if (op === 'u') {
    const b = deserialize(entry.body) as UpdateBody;
    Object.assign(event, { ns, documentKey: { _id: b.k }, updateDescription: { updatedFields: b.u, removedFields: b.r, truncatedArrays: b.t } });
    if (spec.fullDocument === 'updateLookup') event.fullDocument = lookup(entry.db, entry.coll, b.k);
    else if (spec.fullDocument !== 'default') event.fullDocument = image(entry.post, spec.fullDocument, 'post-image', point);
  } else {
    Object.assign(event, { ns, documentKey: { _id: (deserialize(entry.body) as { k: unknown }).k } });
  }
  if (op !== 'i' && spec.fullDocumentBeforeChange !== 'off') {
    event.fullDocumentBeforeChange = image(entry.pre, spec.fullDocumentBeforeChange, 'pre-image', point);
  }
  // A transaction's events carry its session and number, as mongod's do.
  if (entry.txn) Object.assign(event, deserialize(entry.txn));
  return { event, point };
}

/** What a command entry shows a stream: drop, rename, dropDatabase, and whether it ends the stream. */
function commandEvents(entry: OplogEntry, scope: StreamScope): Produced[] {
  const body = deserialize(entry.body) as CommandBody;
  const point: ResumePoint = { seq: entry.seq, t: entry.t, i: entry.i, kind: 'event' };
  let event: Document;
  let visible: boolean;
  let invalidates: boolean;
  if ('drop' in body) {
    event = { ...header(entry, point, 'drop'), ns: { db: entry.db, coll: entry.coll } };
    visible = scope.db === undefined || (scope.db === entry.db && (scope.coll === undefined || scope.coll === entry.coll));
    invalidates = visible && scope.coll !== undefined;
  } else if ('renameTo' in body) {
    event = { ...header(entry, point, 'rename'), ns: { db: entry.db, coll: entry.coll }, to: body.renameTo };
    const at = (db: string, coll: string): boolean => scope.db === undefined || (scope.db === db && (scope.coll === undefined || scope.coll === coll));
    visible = at(entry.db, entry.coll!) || at(body.renameTo.db, body.renameTo.coll);
    invalidates = visible && scope.coll !== undefined;
  } else {
    event = { ...header(entry, point, 'dropDatabase'), ns: { db: entry.db } };
    // A collection stream already ended with its collection's drop.
    visible = scope.db === undefined || (scope.db === entry.db && scope.coll === undefined);
    invalidates = visible && scope.db !== undefined;
  }
  if (!visible || (scope.db === undefined && INTERNAL_DBS.has(entry.db))) return [];
  const out: Produced[] = [{ event, point }];
  if (invalidates) out.push(invalidateEvent(entry, point));
  return out;
}

export function invalidateEvent(entry: OpTimeAndWall, at: ResumePoint): Produced {
  const point: ResumePoint = { ...at, kind: 'invalidate' };
  return { event: header(entry, point, 'invalidate'), point };
}

type OpTimeAndWall = Pick<OplogEntry, 't' | 'i' | 'wall'>;

/** The events one oplog entry produces for a stream (none when it concerns other namespaces). */
export function eventsOf(entry: OplogEntry, spec: StreamSpec, lookup: Lookup): Produced[] {
  if (entry.op === 'c') return commandEvents(entry, spec.scope);
  const { scope } = spec;
  if (scope.db === undefined ? INTERNAL_DBS.has(entry.db) : scope.db !== entry.db || (scope.coll !== undefined && scope.coll !== entry.coll)) return [];
  return [documentEvent(entry as OplogEntry & { coll: string }, spec, lookup)];
}

/** Whether an entry ends a stream of this scope (resuming right after it shows the invalidate again). */
export function invalidatesStream(entry: OplogEntry, scope: StreamScope): boolean {
  if (entry.op !== 'c' || scope.db === undefined) return false;
  return commandEvents(entry, scope).some((p) => p.event.operationType === 'invalidate');
}
