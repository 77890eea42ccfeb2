import type { ChangeStream, ChangeStreamDocument, Document } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { changeEvent, type AuditEntry, type ChangeEvent } from '@aegis/shared';
import { toAuditEntry } from '../data/repos/mappers';

/** Change events every server publishes for the others (kept a day, for late readers). */
export const EVENTS_COLLECTION = 'change_events';
const EVENTS_TTL_S = 24 * 3600;
/** Collections whose changes make what a server caches stale. */
const POLICY_COLLECTIONS = ['agents', 'policies'];
/** Sessions too: a logout on one server must end the session's live streams on every server. */
const KEY_COLLECTIONS = ['api_keys', 'sessions'];

export interface FeedHandlers {
  /** Audit entries written by another server (or by anything but a server), in commit (= id) order. */
  audit(entry: AuditEntry): void;
  /** A change event published by another server. */
  change(event: ChangeEvent): void;
  /** Agents or policies changed somewhere: drop cached snapshots. */
  policiesChanged(): void;
  /** API keys or sessions changed somewhere (revoked, created, logged out): drop cached principals, re-check streams. */
  keysChanged(): void;
  /** The stream restarted after an error: anything cached may have missed changes. */
  restarted(): void;
}

/** A short random id per server process: on its audit entries (`writer`) and published events (`origin`). */
export function newServerId(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * What makes N servers on one database behave as one: every server watches the database with
 * one change stream and learns from it what the others wrote — audit entries (for the live feed,
 * the activity counts and the 24 h block window), published change events (approvals decided,
 * kill-switch flips, policy changes, for SSE subscribers and waiting agents) and changes to
 * agents, policies and keys (to drop cached copies). A server's own writes reach its own
 * listeners directly, at once, and its stream leaves them out: its audit entries carry its id
 * (`writer`) and its events their `origin`, and the stream's `$match` drops both in the store, so a
 * server alone on its database pays nothing per decision for the stream (an echo received and
 * discarded cost ~0.8 ms of server CPU per sequential decision).
 *
 * On a deployment without change streams (a standalone mongod) the feed reports `local`: the
 * server then works as before, and must be the only one on its database.
 */
export class ChangeFeed {
  private stream: ChangeStream | null = null;
  private closed = false;

  private constructor(
    /** This server's id: what its own audit entries (`writer`) and events (`origin`) carry. */
    readonly serverId: string,
    private readonly conn: Connection,
    private readonly handlers: FeedHandlers,
    private readonly logger: Logger,
  ) {}

  /** Starts watching; resolves once the stream is open (later writes are all seen), or null without change streams. */
  static async start(
    serverId: string,
    conn: Connection,
    handlers: FeedHandlers,
    logger: Logger,
  ): Promise<ChangeFeed | null> {
    const feed = new ChangeFeed(serverId, conn, handlers, logger);
    const db = conn.db;
    if (!db) throw new Error('change feed: the connection is not open');
    await db
      .collection(EVENTS_COLLECTION)
      .createIndex({ at: 1 }, { expireAfterSeconds: EVENTS_TTL_S });
    try {
      await feed.open();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 40573) throw error;
      logger.warn(
        'change streams unavailable (standalone MongoDB): run one server on this database',
      );
      return null;
    }
    return feed;
  }

  /** Publish an event to the other servers (our own listeners already have it). */
  async publish(event: ChangeEvent): Promise<void> {
    await this.conn.db
      ?.collection(EVENTS_COLLECTION)
      .insertOne({ at: new Date(), origin: this.serverId, event });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stream?.close().catch(() => undefined);
  }

  private async open(): Promise<void> {
    const db = this.conn.db;
    if (!db) throw new Error('change feed: the connection is not open');
    const stream = db.watch(
      [
        {
          $match: {
            $or: [
              {
                'ns.coll': 'audit_log',
                operationType: 'insert',
                'fullDocument.writer': { $ne: this.serverId },
              },
              {
                'ns.coll': EVENTS_COLLECTION,
                operationType: 'insert',
                'fullDocument.origin': { $ne: this.serverId },
              },
              { 'ns.coll': { $in: [...POLICY_COLLECTIONS, ...KEY_COLLECTIONS] } },
            ],
          },
        },
      ],
      { maxAwaitTimeMS: 1000 },
    );
    // The first tryNext opens the cursor on the server: from then on no write is missed.
    const first = await stream.tryNext();
    this.stream = stream;
    if (first) this.dispatch(first);
    void this.run(stream);
  }

  /** Reads the stream until it is closed; an error (history lost, store gone) reopens it. */
  private async run(stream: ChangeStream): Promise<void> {
    try {
      while (!this.closed) this.dispatch(await stream.next());
    } catch (error) {
      if (this.closed) return;
      this.logger.warn({ err: error }, 'change feed failed: reopening it');
      void stream.close().catch(() => undefined);
      this.reopen();
    }
  }

  private reopen(): void {
    if (this.closed) return;
    this.open().then(
      () => this.handlers.restarted(),
      (error: unknown) => {
        this.logger.error({ err: error }, 'change feed could not reopen; retrying in 1 s');
        setTimeout(() => this.reopen(), 1000).unref();
      },
    );
  }

  private dispatch(change: ChangeStreamDocument): void {
    if (!('ns' in change) || !change.ns || !('coll' in change.ns)) return;
    const coll = change.ns.coll;
    try {
      if (coll === 'audit_log') {
        if (change.operationType === 'insert') this.auditInserted(change.fullDocument);
      } else if (coll === EVENTS_COLLECTION && change.operationType === 'insert') {
        const doc = change.fullDocument as { event?: unknown };
        const parsed = changeEvent.safeParse(doc.event);
        if (parsed.success) this.handlers.change(parsed.data);
      } else if (POLICY_COLLECTIONS.includes(coll)) this.handlers.policiesChanged();
      else if (KEY_COLLECTIONS.includes(coll) && !onlyLastUsed(change)) this.handlers.keysChanged();
    } catch (error) {
      this.logger.error({ err: error, coll }, 'change feed listener failed');
    }
  }

  private auditInserted(doc: Document): void {
    this.handlers.audit(toAuditEntry(doc as Parameters<typeof toAuditEntry>[0]));
  }
}

/**
 * A key's lastUsedAt (written about once a minute per key in use) changes no principal: it need
 * not drop every server's cached principals and re-check every open stream.
 */
function onlyLastUsed(change: ChangeStreamDocument): boolean {
  if (change.operationType !== 'update') return false;
  const { updatedFields, removedFields } = change.updateDescription;
  const fields = Object.keys(updatedFields ?? {});
  return (
    fields.length > 0 &&
    fields.every((f) => f === 'lastUsedAt') &&
    (removedFields ?? []).length === 0
  );
}
