import { Timestamp, type Document } from 'bson';
import * as pipelineStages from 'mingo/operators/pipeline';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';
import type { StreamScope } from '../storage/oplog.js';
import type { OpTime } from '../storage/oplogClock.js';
import { changeStreamError } from './errors.js';
import { decodeToken, type ResumePoint } from './token.js';

export type FullDocument = 'default' | 'updateLookup' | 'whenAvailable' | 'required';
export type FullDocumentBeforeChange = 'off' | 'whenAvailable' | 'required';

/** Where a new stream starts. */
export type StreamStart =
  | { kind: 'now' }
  | { kind: 'resumeAfter' | 'startAfter'; token: ResumePoint }
  | { kind: 'atTime'; time: OpTime };

/** A parsed `aggregate` whose pipeline starts with `$changeStream`. */
export interface StreamSpec {
  scope: StreamScope;
  /** The cursor's namespace, which getMore must name. */
  ns: string;
  fullDocument: FullDocument;
  fullDocumentBeforeChange: FullDocumentBeforeChange;
  start: StreamStart;
  /** The stages after `$changeStream`, applied to each event. */
  stages: Document[];
}

const FULL_DOCUMENT = new Set<string>(['default', 'updateLookup', 'whenAvailable', 'required']);
const BEFORE_CHANGE = new Set<string>(['off', 'whenAvailable', 'required']);
// showExpandedEvents is accepted (drivers may send it) but adds no event types here.
const OPTIONS = new Set(['fullDocument', 'fullDocumentBeforeChange', 'resumeAfter', 'startAfter', 'startAtOperationTime', 'allChangesForCluster', 'showExpandedEvents']);
/** mongod's allowlist: stages that transform or filter one event at a time. */
const ALLOWED_STAGES = new Set(['$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$redact']);
const KNOWN_STAGES = new Set([...Object.keys(pipelineStages).filter((k) => k.startsWith('$')), '$geoNear', '$indexStats', '$collStats', '$currentOp', '$listSessions', '$search', '$changeStreamSplitLargeEvent']);

/** Whether an aggregate is a change stream (or misplaces one: 40602). */
export function isChangeStream(pipeline: unknown): boolean {
  if (!Array.isArray(pipeline)) return false;
  const at = pipeline.findIndex((s) => isPlainObject(s) && '$changeStream' in s);
  if (at > 0) throw changeStreamError('NotFirstStage', '$changeStream is only valid as the first stage in a pipeline');
  return at === 0;
}

function scopeOf(target: unknown, db: string, cluster: boolean): { scope: StreamScope; ns: string } {
  if (typeof target === 'string') {
    if (target.length === 0 || target.includes('$') || target.includes('\0')) throw mongoError('InvalidNamespace', `Invalid collection name: ${target}`);
    if (cluster) throw mongoError('InvalidOptions', "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database, and with no collection name");
    return { scope: { db, coll: target }, ns: `${db}.${target}` };
  }
  if (target !== 1) throw mongoError('TypeMismatch', "'aggregate' must be a collection name or 1");
  if (db === 'admin') {
    if (!cluster) throw mongoError('InvalidNamespace', "$changeStream may not be opened on the internal admin database; use 'allChangesForCluster: true' to watch the whole deployment");
    return { scope: {}, ns: 'admin.$cmd.aggregate' };
  }
  if (cluster) throw mongoError('InvalidOptions', "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database");
  if (db === 'config' || db === 'local') throw mongoError('InvalidNamespace', `$changeStream may not be opened on the internal ${db} database`);
  return { scope: { db }, ns: `${db}.$cmd.aggregate` };
}

function startOf(options: Document): StreamStart {
  const given = ['resumeAfter', 'startAfter', 'startAtOperationTime'].filter((k) => options[k] !== undefined);
  if (given.length > 1) throw changeStreamError('OneResumeOption', `Only one type of resume option is allowed, but multiple were found: ${given.join(', ')}`);
  if (options.resumeAfter !== undefined) return { kind: 'resumeAfter', token: decodeToken(options.resumeAfter, 'resumeAfter') };
  if (options.startAfter !== undefined) return { kind: 'startAfter', token: decodeToken(options.startAfter, 'startAfter') };
  const at: unknown = options.startAtOperationTime;
  if (at === undefined) return { kind: 'now' };
  if (!(at instanceof Timestamp)) throw mongoError('TypeMismatch', "BSON field '$changeStream.startAtOperationTime' is the wrong type, expected type 'timestamp'");
  return { kind: 'atTime', time: { t: at.t, i: at.i } };
}

function checkStages(stages: unknown[]): Document[] {
  return stages.map((stage) => {
    const names = isPlainObject(stage) ? Object.keys(stage) : [];
    if (names.length !== 1) throw mongoError('FailedToParse', 'A pipeline stage specification object must contain exactly one field.');
    const name = names[0]!;
    if (ALLOWED_STAGES.has(name)) return stage as Document;
    if (name === '$changeStream') throw changeStreamError('NotFirstStage', '$changeStream is only valid as the first stage in a pipeline');
    if (KNOWN_STAGES.has(name)) throw mongoError('IllegalOperation', `${name} is not permitted in a $changeStream pipeline`);
    throw mongoError('Location40324', `Unrecognized pipeline stage name: '${name}'`);
  });
}

/** Parses and validates a change-stream aggregate; every mistake is a MongoDB error naming it. */
export function parseChangeStream(cmd: Document, db: string): StreamSpec {
  const pipeline = cmd.pipeline as unknown[];
  const raw: unknown = (pipeline[0] as Document).$changeStream;
  if (!isPlainObject(raw)) throw mongoError('FailedToParse', 'the $changeStream stage must be specified as an object');
  // Drivers serialize an option left undefined as null: null means not given.
  const options = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null && v !== undefined));
  for (const k of Object.keys(options)) {
    if (!OPTIONS.has(k)) throw mongoError('UnknownField', `BSON field '$changeStream.${k}' is an unknown field.`);
  }
  const fullDocument = options.fullDocument ?? 'default';
  if (typeof fullDocument !== 'string' || !FULL_DOCUMENT.has(fullDocument)) {
    throw mongoError('BadValue', `unrecognized value for $changeStream.fullDocument: ${JSON.stringify(fullDocument)}; expected one of default, updateLookup, whenAvailable, required`);
  }
  const before = options.fullDocumentBeforeChange ?? 'off';
  if (typeof before !== 'string' || !BEFORE_CHANGE.has(before)) {
    throw mongoError('BadValue', `unrecognized value for $changeStream.fullDocumentBeforeChange: ${JSON.stringify(before)}; expected one of off, whenAvailable, required`);
  }
  const cluster = options.allChangesForCluster ?? false;
  if (typeof cluster !== 'boolean') throw mongoError('TypeMismatch', "BSON field '$changeStream.allChangesForCluster' is the wrong type, expected type 'bool'");
  return {
    ...scopeOf(cmd.aggregate, db, cluster),
    fullDocument: fullDocument as FullDocument,
    fullDocumentBeforeChange: before as FullDocumentBeforeChange,
    start: startOf(options),
    stages: checkStages(pipeline.slice(1)),
  };
}
