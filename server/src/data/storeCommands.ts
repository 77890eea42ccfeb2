import {
  MongoServerError,
  ObjectId,
  type AnyBulkWriteOperation,
  type Collection,
  type Document,
  type Filter,
  type UpdateFilter,
} from 'mongodb';
import type { Connection, Model } from 'mongoose';

/**
 * The embedded store's in-process client (`store.inProcess()`, embedded-mongo's InProcessClient),
 * declared here by its shape: this module is reached from the router's types, which the dashboard
 * compiles, and must not pull the store's sources (and SQLite's typings) into it.
 */
export interface InProcessClient {
  command(db: string, cmd: Document): Promise<Document>;
}

/** What an update told: the driver's `UpdateResult` / `BulkWriteResult` counts. */
export interface WriteCounts {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}

/**
 * The store commands of the decision path on one collection — its writes (audit entries,
 * outcomes, their seals, rollup counters) and its one read (a rule's history count) — with the
 * driver's semantics: the same commands, the same counts, the same errors
 * (a refused write throws a `MongoServerError` whose `code`, or whose `writeErrors[i].code` and
 * `.index` for several documents, say why). Two implementations: the driver's, and one straight
 * into the embedded store when it runs in this process (see {@link useInProcessStore}).
 */
export interface StoreCommands {
  /** Adds `_id` to the document when it has none, as the driver does. */
  insertOne(doc: Document): Promise<void>;
  insertMany(docs: Document[], opts: { ordered: boolean }): Promise<void>;
  updateOne(
    filter: Filter<Document>,
    update: UpdateFilter<Document>,
    opts?: { upsert?: boolean },
  ): Promise<WriteCounts>;
  /** One unordered or ordered batch of `updateOne`/`updateMany` (others go through the driver). */
  bulkWrite(ops: AnyBulkWriteOperation[], opts: { ordered: boolean }): Promise<WriteCounts>;
  /**
   * `countDocuments(filter)`, the one read on the decision path (a rule's `history.count`); the
   * filter is sent as given (no mongoose casting: pass stored types, e.g. a `Date`).
   */
  countDocuments(filter: Filter<Document>): Promise<number>;
}

/** Told of every command sent in process: the driver's command events don't see them. */
export type CommandObserver = (command: string, seconds: number, ok: boolean) => void;

/** The embedded store's in-process client, timed for `/metrics`. */
export class InProcessStore {
  private readonly observers = new Set<CommandObserver>();

  constructor(
    private readonly client: InProcessClient,
    readonly dbName: string,
  ) {}

  /** Calls `observer` after every command; returns how to stop. */
  observe(observer: CommandObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  async command(cmd: Document): Promise<Document> {
    const name = Object.keys(cmd)[0] ?? '';
    const started = performance.now();
    let ok = false;
    try {
      const reply = await this.client.command(this.dbName, cmd);
      ok = reply.ok === 1;
      return reply;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      for (const observer of this.observers) observer(name, seconds, ok);
    }
  }
}

/** The in-process store of each connection that has one (several servers may share a process). */
const inProcessStores = new WeakMap<Connection, InProcessStore>();

/** Sends this connection's decision-path commands into `store` instead of through the driver. */
export function useInProcessStore(conn: Connection, store: InProcessStore): void {
  inProcessStores.set(conn, store);
}

export function inProcessStoreOf(conn: Connection): InProcessStore | undefined {
  return inProcessStores.get(conn);
}

/**
 * The commands for a model's collection: in process when its connection's store runs here, else
 * the driver's. In process saves the driver, the socket and a turn of the event loop per write —
 * ~300 µs of CPU per insert on this machine (bench/README.md, 2026-12-07, evening).
 */
export function commandsFor(model: Pick<Model<never>, 'db' | 'collection'>): StoreCommands {
  let commands = commandsByModel.get(model);
  if (!commands) {
    const store = inProcessStores.get(model.db);
    const coll = model.collection as unknown as Collection<Document>;
    commands = store ? new InProcessCommands(store, coll) : driverCommands(coll);
    commandsByModel.set(model, commands);
  }
  return commands;
}

/** Built once per model: callers on the decision path ask for them on every call. */
const commandsByModel = new WeakMap<object, StoreCommands>();

export function driverCommands(coll: Collection<Document>): StoreCommands {
  return {
    async insertOne(doc) {
      await coll.insertOne(doc);
    },
    async insertMany(docs, opts) {
      await coll.insertMany(docs, opts);
    },
    updateOne: (filter, update, opts) => coll.updateOne(filter, update, opts),
    bulkWrite: (ops, opts) => coll.bulkWrite(ops, opts),
    countDocuments: (filter) => coll.countDocuments(filter),
  };
}

/** Batches above this size go through the driver, which splits them by the server's limits. */
const MAX_IN_PROCESS_BATCH = 1000;

interface WriteReply {
  ok?: unknown;
  n?: unknown;
  nModified?: unknown;
  upserted?: unknown;
  writeErrors?: Array<{ index: number; code: number; errmsg?: string }>;
}

class InProcessCommands implements StoreCommands {
  private readonly driver: StoreCommands;

  constructor(
    private readonly store: InProcessStore,
    private readonly coll: Collection<Document>,
  ) {
    this.driver = driverCommands(coll);
  }

  async insertOne(doc: Document): Promise<void> {
    doc._id ??= new ObjectId();
    const reply = await this.run({ insert: this.coll.collectionName, documents: [doc] });
    // As the driver's insertOne: the write error itself is thrown.
    if (reply.writeErrors?.[0]) throw new MongoServerError(reply.writeErrors[0]);
  }

  async insertMany(docs: Document[], opts: { ordered: boolean }): Promise<void> {
    if (docs.length > MAX_IN_PROCESS_BATCH) return this.driver.insertMany(docs, opts);
    for (const doc of docs) doc._id ??= new ObjectId();
    const reply = await this.runWhole({
      insert: this.coll.collectionName,
      documents: docs,
      ordered: opts.ordered,
    });
    if (!reply) return this.driver.insertMany(docs, opts);
    if (reply.writeErrors?.length) throw bulkError(reply.writeErrors);
  }

  async updateOne(
    filter: Filter<Document>,
    update: UpdateFilter<Document>,
    opts: { upsert?: boolean } = {},
  ): Promise<WriteCounts> {
    const reply = await this.run({
      update: this.coll.collectionName,
      updates: [{ q: filter, u: update, upsert: opts.upsert ?? false, multi: false }],
    });
    if (reply.writeErrors?.[0]) throw new MongoServerError(reply.writeErrors[0]);
    return counts(reply);
  }

  async bulkWrite(ops: AnyBulkWriteOperation[], opts: { ordered: boolean }): Promise<WriteCounts> {
    const updates = ops.length <= MAX_IN_PROCESS_BATCH ? ops.map(asUpdateStatement) : [];
    if (updates.length === 0 || updates.includes(null)) return this.driver.bulkWrite(ops, opts);
    const reply = await this.runWhole({
      update: this.coll.collectionName,
      updates,
      ordered: opts.ordered,
    });
    if (!reply) return this.driver.bulkWrite(ops, opts);
    if (reply.writeErrors?.length) throw bulkError(reply.writeErrors);
    return counts(reply);
  }

  async countDocuments(filter: Filter<Document>): Promise<number> {
    // The driver's countDocuments sends exactly this aggregate.
    const reply = (await this.run({
      aggregate: this.coll.collectionName,
      pipeline: [{ $match: filter }, { $group: { _id: 1, n: { $sum: 1 } } }],
      cursor: {},
    })) as { cursor?: { firstBatch?: Array<{ n?: unknown }> } };
    const n = reply.cursor?.firstBatch?.[0]?.n ?? 0;
    // The store keeps a count's BSON type (an int64 stays a Long); the driver promotes it.
    if (typeof n === 'number') return n;
    const wrapped = n as { toNumber?: () => number; valueOf(): unknown };
    return typeof wrapped.toNumber === 'function' ? wrapped.toNumber() : Number(wrapped.valueOf());
  }

  /**
   * A batch's reply, or null when the store could not take it as one command — one BSON encoding
   * holds 17 MiB (js-bson's buffer), a message 48 MB — which the driver, sending the documents
   * as a sequence split at the store's limits, stores (attack review 16: a group commit of 300
   * entries with 64 KiB arguments failed whole). The in-process client rejects only a command it
   * could not encode or decode, before running any of it (the store answers everything else,
   * errors included, as a reply), so the driver may send the same batch again.
   */
  private async runWhole(cmd: Document): Promise<WriteReply | null> {
    let reply: WriteReply;
    try {
      reply = await this.store.command(cmd);
    } catch {
      return null;
    }
    if (reply.ok !== 1) throw new MongoServerError(reply);
    return reply;
  }

  /** A command's reply; a refused command (`ok: 0`) thrown as the driver throws it. */
  private async run(cmd: Document): Promise<WriteReply> {
    const reply = (await this.store.command(cmd)) as WriteReply;
    if (reply.ok !== 1) throw new MongoServerError(reply);
    return reply;
  }
}

/** An `updateOne`/`updateMany` with a filter, an update and maybe `upsert`; null for anything else. */
function asUpdateStatement(op: AnyBulkWriteOperation): Document | null {
  const one = 'updateOne' in op ? op.updateOne : undefined;
  const many = 'updateMany' in op ? op.updateMany : undefined;
  const u = one ?? many;
  if (!u) return null;
  // Options beyond these (arrayFilters, hint, collation, sort) stay the driver's to send.
  if (Object.keys(u).some((k) => k !== 'filter' && k !== 'update' && k !== 'upsert')) return null;
  return { q: u.filter, u: u.update, upsert: u.upsert ?? false, multi: many !== undefined };
}

function counts(reply: WriteReply): WriteCounts {
  const n = typeof reply.n === 'number' ? reply.n : 0;
  const upsertedCount = Array.isArray(reply.upserted) ? reply.upserted.length : 0;
  return {
    matchedCount: n - upsertedCount,
    modifiedCount: typeof reply.nModified === 'number' ? reply.nModified : n,
    upsertedCount,
  };
}

/**
 * Several documents' write errors, as the driver's MongoBulkWriteError carries them: the first
 * one's code on the error, every one (with its `index` in the batch) in `writeErrors`.
 */
function bulkError(writeErrors: NonNullable<WriteReply['writeErrors']>): MongoServerError {
  const [first] = writeErrors;
  return new MongoServerError({
    errmsg: first?.errmsg ?? 'write error',
    code: first?.code,
    writeErrors,
  });
}
