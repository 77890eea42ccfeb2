import { calculateObjectSize, type Document, type Long } from 'bson';
import { Aggregator } from 'mingo/aggregator';
import { mongoError } from '../errors.js';
import { runQuery } from '../query/execute.js';
import { compileFilter, mingoOptions, type Matcher } from '../query/matcher.js';
import { COMMANDS_KEY, type StreamScope } from '../storage/oplog.js';
import type { Store } from '../storage/store.js';
import { changeStreamError } from './errors.js';
import { eventsOf, invalidateEvent, invalidatesStream, type Lookup, type Produced } from './events.js';
import { collectionsOf, gateOf, type Gate, type OperationType } from './gate.js';
import type { StreamSpec } from './spec.js';
import { encodeToken, type ResumePoint } from './token.js';

/** One reply's worth of a stream. */
export interface StreamBatch {
  events: Document[];
  postBatchResumeToken: Document;
  /** The stream was invalidated: the cursor is finished. */
  closed: boolean;
}

const OPERATION_TYPE: Partial<Record<string, OperationType>> = { i: 'insert', u: 'update', r: 'replace', d: 'delete' };

// Entries read from SQLite per step; a batch may need several steps when stages filter most events.
const CHUNK = 500;
// A reply stays under 16 MiB with room for its envelope, as the cursor registry's batches do.
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024;

/**
 * A change stream cursor: a position in the oplog and the stream's options. Each batch reads the
 * committed entries after the position that the stream's scope may concern, turns them into
 * events, runs the stream's stages, and moves the position (also past entries nobody wanted, so
 * the postBatchResumeToken keeps up with the log even on a quiet collection).
 */
export class ChangeStreamCursor {
  position: ResumePoint;
  lastUsed = Date.now();
  busy = false;
  private pendingInvalidate: Produced | undefined;
  /** The leading $match stages, compiled once (mingo's aggregator would compile them per event). */
  private readonly matchers: Matcher[] = [];
  /** The stages after them, if any. */
  private readonly pipeline: Aggregator | undefined;
  /** Skips entries the leading $match stages cannot want before they are decoded (gate.ts). */
  private readonly gate: Gate;
  private readonly lookup: Lookup;
  /** The stream's scope narrowed to the collections its leading $match can want (gate.ts). */
  private readonly readScope: StreamScope;

  constructor(
    readonly id: Long,
    readonly spec: StreamSpec,
    private readonly store: Store,
  ) {
    for (const stage of spec.stages) if (stage.$match !== undefined) compileFilter(stage.$match as Document);
    let leading = 0;
    while (leading < spec.stages.length && spec.stages[leading]?.$match !== undefined) {
      this.matchers.push(compileFilter(spec.stages[leading]?.$match as Document));
      leading++;
    }
    const rest = spec.stages.slice(leading);
    this.gate = gateOf(spec.stages);
    const { scope } = spec;
    this.readScope = scope.db !== undefined && scope.coll === undefined ? { ...scope, colls: collectionsOf(spec.stages) } : scope;
    try {
      this.pipeline = rest.length > 0 ? new Aggregator(rest, mingoOptions) : undefined;
    } catch (err) {
      throw mongoError('BadValue', err instanceof Error ? err.message : String(err));
    }
    this.lookup = (db, coll, _id) => runQuery(store.getCollection(db, coll), { filter: { _id }, limit: 1 })[0]?.doc ?? null;
    this.position = this.startPosition();
  }

  private get oplog() {
    return this.store.oplog;
  }

  private highWater(): ResumePoint {
    return { seq: this.oplog.committedSeq, ...this.oplog.committedTime, kind: 'highWater' };
  }

  private startPosition(): ResumePoint {
    const { start, scope } = this.spec;
    const history = this.oplog.history;
    if (start.kind === 'now') return this.highWater();
    if (start.kind === 'atTime') {
      if (history.lostAt(start.time)) throw changeStreamError('ChangeStreamHistoryLost', 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.');
      const seq = history.positionBefore(start.time, this.oplog.committedSeq);
      const entry = this.oplog.entry(seq);
      return { seq, t: entry?.t ?? start.time.t, i: entry?.i ?? 0, kind: 'highWater' };
    }
    const token = start.token;
    if (token.kind === 'invalidate' && start.kind === 'resumeAfter') {
      throw changeStreamError('InvalidResumeToken', "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification; use 'startAfter'.");
    }
    if (history.lostAfter(token.seq)) throw changeStreamError('ChangeStreamHistoryLost', 'Resume of change stream was not possible, as the resume point may no longer be in the oplog.');
    const trimmedEdge = token.seq === history.trimmed.seq && token.t === history.trimmed.t && token.i === history.trimmed.i;
    const entry = token.seq === 0 || trimmedEdge ? undefined : this.oplog.entry(token.seq);
    if (token.seq !== 0 && !trimmedEdge && (!entry || entry.t !== token.t || entry.i !== token.i)) {
      throw changeStreamError('ChangeStreamFatalError', `cannot resume stream; the resume token was not found. ${JSON.stringify(encodeToken(token))}`);
    }
    // Resuming right after the entry that ended a stream ends it again, as mongod does.
    if (entry && token.kind === 'event' && invalidatesStream(entry, scope)) this.pendingInvalidate = invalidateEvent(entry, token);
    return { ...token, kind: token.kind === 'invalidate' ? 'event' : token.kind };
  }

  /** Whether a commit that touched these namespace keys (oplog.ts) may concern this stream. */
  touchedBy(namespaces: ReadonlySet<string>): boolean {
    const { db, colls } = this.readScope;
    if (!colls || namespaces.has(COMMANDS_KEY)) return true;
    for (const coll of colls) if (namespaces.has(`${db}.${coll}`)) return true;
    return false;
  }

  /** Runs the stream's stages on one event; undefined when they filter it out. */
  private shape(p: Produced): Document | undefined {
    let out: Document[];
    try {
      for (const matches of this.matchers) if (!matches(p.event)) return undefined;
      if (!this.pipeline) return p.event;
      out = this.pipeline.run<Document>([p.event]);
    } catch (err) {
      throw mongoError('BadValue', err instanceof Error ? err.message : String(err));
    }
    const doc = out[0];
    if (!doc) return undefined;
    const id = doc._id as { _data?: unknown } | undefined;
    if (id?._data !== (p.event._id as { _data: string })._data || Object.keys(id).length !== 1) {
      throw changeStreamError(
        'ChangeStreamFatalError',
        'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.',
      );
    }
    return doc;
  }

  /** Whether the entry may produce an event the stages keep (commands always may). */
  private wanted(entry: { op: string; coll: string | null; body: Buffer }): boolean {
    const operationType = OPERATION_TYPE[entry.op];
    // An insert's or a replacement's body is the event's full document.
    const doc = entry.op === 'i' || entry.op === 'r' ? entry.body : undefined;
    return operationType === undefined || entry.coll === null || this.gate(entry.coll, operationType, doc);
  }

  /**
   * Moves a stream with nothing to read to the end of the log (before trimming, so entries it
   * never needed do not count as history it lost). Its next batch reports the new position.
   */
  catchUp(): void {
    if (!this.pendingInvalidate && !this.oplog.changedSince(this.readScope, this.position.seq)) this.position = this.highWater();
  }

  /** Reads the next batch of at most `max` events (0 reads nothing). Never waits. */
  next(max: number): StreamBatch {
    this.lastUsed = Date.now();
    const events: Document[] = [];
    if (this.pendingInvalidate && max > 0) {
      const p = this.pendingInvalidate;
      const shaped = this.shape(p);
      if (shaped) events.push(shaped);
      this.position = p.point;
      return { events, postBatchResumeToken: encodeToken(p.point), closed: true };
    }
    const upto = this.highWater();
    // Nothing this stream could see was written since its position: it moves to the log's end,
    // even when trimming passed it meanwhile (nothing it needed was lost).
    if (max === 0 || !this.oplog.changedSince(this.readScope, this.position.seq)) {
      if (max > 0) this.position = upto;
      return { events, postBatchResumeToken: encodeToken(this.position), closed: false };
    }
    if (this.oplog.history.lostAfter(this.position.seq)) {
      throw changeStreamError('ChangeStreamHistoryLost', 'The change stream fell behind the oplog: entries it had not read yet were trimmed.');
    }
    let bytes = 0;
    for (;;) {
      const entries = this.oplog.read(this.readScope, this.position.seq, upto.seq, CHUNK);
      for (const entry of entries) {
        const shaped: Document[] = [];
        let size = 0;
        const produced = this.wanted(entry) ? eventsOf(entry, this.spec, this.lookup) : [];
        for (const p of produced) {
          const doc = this.shape(p);
          if (doc) {
            shaped.push(doc);
            size += calculateObjectSize(doc);
          }
        }
        // A full batch leaves the entry for the next one; a single huge event still goes out alone.
        if (events.length > 0 && (events.length + shaped.length > max || bytes + size > MAX_BATCH_BYTES)) {
          return { events, postBatchResumeToken: encodeToken(this.position), closed: false };
        }
        events.push(...shaped);
        bytes += size;
        const last = produced[produced.length - 1];
        this.position = last ? last.point : { seq: entry.seq, t: entry.t, i: entry.i, kind: 'event' };
        if (last?.point.kind === 'invalidate') return { events, postBatchResumeToken: encodeToken(last.point), closed: true };
        if (events.length >= max) return { events, postBatchResumeToken: encodeToken(this.position), closed: false };
      }
      if (entries.length < CHUNK) break;
    }
    this.position = upto;
    return { events, postBatchResumeToken: encodeToken(upto), closed: false };
  }
}
