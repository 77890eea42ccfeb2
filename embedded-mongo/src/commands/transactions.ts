import { Long, serialize, type Document } from 'bson';
import type { MongoCommandError } from '../errors.js';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';
import { retryKey, sessionKey, type RetryKey } from '../storage/retryableWrites.js';
import type { Store } from '../storage/store.js';
import type { CommandContext, CommandHandler } from './context.js';

/** mongod's transactionLifetimeLimitSeconds: an open transaction older than this is aborted. */
export const DEFAULT_TRANSACTION_LIFETIME_MS = 60_000;

type Base = Omit<CommandContext, 'db'>;
type Execute = (
  cmd: Document,
  base: Base,
  txn: TransactionHook | undefined,
) => Document | Promise<Document>;

/** What dispatch asks of the open transaction before it runs one of its statements. */
export interface TransactionHook {
  enter(name: string, cmd: Document, ctx: CommandContext): void;
}

/** The commands MongoDB 7 runs inside a transaction (bulkWrite is 8.0); the rest are 263. */
const ALLOWED = new Set([
  'find',
  'getmore',
  'killcursors',
  'insert',
  'update',
  'delete',
  'findandmodify',
  'aggregate',
  'distinct',
  'create',
  'createindexes',
]);
/** Commands that never wait for a transaction: they read no data (commit/abort read only session state). */
const NEVER_WAIT = new Set([
  'hello',
  'ismaster',
  'ping',
  'buildinfo',
  'serverstatus',
  'hostinfo',
  'whatsmyuri',
  'getparameter',
  'getcmdlineopts',
  'connectionstatus',
  'endsessions',
  'killallsessions',
  'committransaction',
  'aborttransaction',
]);
const TXN_READ_CONCERNS = new Set(['local', 'majority', 'snapshot']);

interface OpenTransaction {
  session: string;
  key: RetryKey;
  /** `{ lsid, txnNumber }` as BSON, stamped on each of its oplog entries. */
  tag: Buffer;
  /** Connections that carried its commands and are still open: when the last closes, it is rolled back. */
  connections: Set<number>;
  /** Namespaces that existed when it started (createIndexes is refused on those, as mongod does). */
  existing: Set<string>;
  timer: NodeJS.Timeout;
}

interface Waiting {
  cmd: Document;
  base: Base;
  resolve: (reply: Document | Promise<Document>) => void;
}

function noSuchTransaction(message: string): MongoCommandError {
  return mongoError('NoSuchTransaction', message, { errorLabels: ['TransientTransactionError'] });
}

function notInTransaction(what: string): MongoCommandError {
  return mongoError('OperationNotSupportedInTransaction', what);
}

const failed = (reply: Document): boolean =>
  reply.ok !== 1 || (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0);

/**
 * Multi-document transactions of a replica-set member, serializable by waiting: the store runs
 * one command at a time, so a transaction holds the SQLite transaction open from its first
 * statement to its commit or abort (Store.beginHeld), and every other session's commands wait in
 * a queue until it ends. Its own statements see its writes; nobody else ever sees them before
 * the commit. It is rolled back by abortTransaction, a failed statement, a newer txnNumber on its
 * session, endSessions, the close of the last connection that carried it, or the lifetime limit.
 */
export class Transactions {
  private open: OpenTransaction | undefined;
  private queue: Waiting[] = [];
  private drainScheduled = false;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  /** Each session's newest transaction this process saw end (commit retries are answered from it). */
  private readonly ended = new Map<string, { txnNumber: number; committed: boolean }>();

  constructor(
    private readonly store: Store,
    private readonly execute: Execute,
    private readonly lifetimeMs = DEFAULT_TRANSACTION_LIFETIME_MS,
  ) {}

  /** Whether commands must come through `route` (a transaction is open or commands wait for one). */
  get busy(): boolean {
    return this.open !== undefined || this.queue.length > 0;
  }

  /** The session (hex) of the open transaction, if any. */
  get activeSession(): string | undefined {
    return this.open?.session;
  }

  route(cmd: Document, base: Base): Document | Promise<Document> {
    const name = (Object.keys(cmd)[0] ?? '').toLowerCase();
    if (NEVER_WAIT.has(name)) {
      if (name === 'endsessions') this.endSessions(cmd.endSessions);
      return this.execute(cmd, base, undefined);
    }
    if (this.closed)
      return { ok: 0, code: 91, codeName: 'ShutdownInProgress', errmsg: 'the store is closing' };
    const session = sessionOf(cmd);
    const open = this.open;
    if (open ? session === open.session : this.queue.length === 0)
      return this.run(cmd, base, session);
    return new Promise((resolve) => this.queue.push({ cmd, base, resolve }));
  }

  /** Runs a command that may go now: a statement of a transaction (opening one), or any command when none is open. */
  private run(
    cmd: Document,
    base: Base,
    session: string | undefined,
  ): Document | Promise<Document> {
    if (cmd.autocommit === undefined && cmd.startTransaction === undefined)
      return this.execute(cmd, base, undefined);
    const state: { entered?: OpenTransaction } = {};
    const hook: TransactionHook = {
      enter: (name, c, ctx) => {
        this.store.oplog.transactionTag = this.enter(name, c, ctx, session, state).tag;
      },
    };
    const settle = (reply: Document): Document => {
      this.store.oplog.transactionTag = null;
      // A failed statement (refused ones too) aborts its transaction, as on mongod: a later one gets NoSuchTransaction.
      if (state.entered && this.open === state.entered && failed(reply)) this.abortOpen();
      return reply;
    };
    let reply: Document | Promise<Document>;
    try {
      reply = this.execute(cmd, base, hook);
    } catch (err) {
      settle({ ok: 0 });
      throw err;
    }
    if (reply instanceof Promise) {
      this.store.oplog.transactionTag = null;
      return reply.then(settle);
    }
    return settle(reply);
  }

  /** Checks a statement against the session's transaction state, opening the transaction on its first. */
  private enter(
    name: string,
    cmd: Document,
    ctx: CommandContext,
    session: string | undefined,
    state: { entered?: OpenTransaction },
  ): OpenTransaction {
    if (cmd.autocommit !== false) {
      throw mongoError(
        'InvalidOptions',
        cmd.autocommit === undefined
          ? "'startTransaction' requires 'autocommit: false'"
          : "'autocommit' may only be false (true is the default outside transactions)",
      );
    }
    const key = retryKey(cmd);
    if (!key || session === undefined)
      throw mongoError(
        'InvalidOptions',
        "'autocommit: false' needs a session: 'lsid' and 'txnNumber'",
      );
    let open = this.open;
    if (open && open.session === session && key.txnNumber > open.key.txnNumber) {
      // A newer transaction number on the session ends its older transaction.
      this.abortOpen();
      open = undefined;
    }
    if (open && open.session === session && key.txnNumber < open.key.txnNumber)
      throw tooOld(key.txnNumber, open.key.txnNumber);
    const last = this.ended.get(session);
    if (!open && last && key.txnNumber < last.txnNumber)
      throw tooOld(key.txnNumber, last.txnNumber);
    if (open?.session === session && key.txnNumber === open.key.txnNumber) state.entered = open;
    if (cmd.startTransaction !== undefined) {
      if (cmd.startTransaction !== true)
        throw mongoError('InvalidOptions', "'startTransaction' may only be true");
      if (open || last?.txnNumber === key.txnNumber) {
        throw mongoError(
          'ConflictingOperationInProgress',
          `Cannot start a transaction on session with txnNumber ${key.txnNumber}: a transaction with that number was already started`,
        );
      }
      checkTransactionReadConcern(cmd);
      checkStatement(name, cmd, ctx, undefined);
      open = state.entered = this.begin(session, key, cmd.lsid as Document);
    } else {
      if (!open)
        throw noSuchTransaction(
          `Transaction with { txnNumber: ${key.txnNumber} } has been aborted or was never started.`,
        );
      if (cmd.readConcern !== undefined)
        throw mongoError(
          'InvalidOptions',
          'Only the first command in a transaction may specify a readConcern',
        );
      checkStatement(name, cmd, ctx, open);
    }
    open.connections.add(ctx.connectionId);
    return open;
  }

  private begin(session: string, key: RetryKey, lsid: Document): OpenTransaction {
    this.store.beginHeld();
    const open: OpenTransaction = {
      session,
      key,
      tag: Buffer.from(serialize({ lsid, txnNumber: Long.fromNumber(key.txnNumber) })),
      connections: new Set(),
      existing: new Set(this.store.namespaces()),
      timer: setTimeout(() => {
        if (this.open === open) this.abortOpen();
      }, this.lifetimeMs),
    };
    open.timer.unref();
    this.open = open;
    return open;
  }

  /** Resolves once no transaction is open. */
  idle(): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private end(committed: boolean): void {
    const open = this.open!;
    clearTimeout(open.timer);
    this.open = undefined;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.ended.set(open.session, { txnNumber: open.key.txnNumber, committed });
    // A cache of recent outcomes: committed ones are also durable (session_writes).
    if (this.ended.size > 10_000) this.ended.clear();
    this.scheduleDrain();
  }

  private abortOpen(): void {
    this.store.rollbackHeld();
    this.end(false);
  }

  commit(cmd: Document): Document {
    const { session, key } = controlKey(cmd);
    const open = this.open;
    if (open && open.session === session && key.txnNumber === open.key.txnNumber) {
      // Recorded in the transaction itself: a commit retried after a restart finds it.
      this.store.retryableWrites.record(key, { ok: 1, committedTransaction: true });
      try {
        this.store.commitHeld();
      } catch (err) {
        this.end(false);
        throw noSuchTransaction(
          `Transaction was rolled back: the commit failed (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      this.end(true);
      return { ok: 1 };
    }
    this.settleOlder(session, key, open);
    const last = this.ended.get(session);
    if (last?.txnNumber === key.txnNumber) {
      if (last.committed) return { ok: 1 };
      throw noSuchTransaction(`Transaction with { txnNumber: ${key.txnNumber} } has been aborted.`);
    }
    if (last && key.txnNumber < last.txnNumber) throw tooOld(key.txnNumber, last.txnNumber);
    // Committed before this process started (or before the cache was cleared): the durable record.
    const recorded = this.store.retryableWrites.previous(key);
    if (recorded?.committedTransaction === true) return { ok: 1 };
    throw noSuchTransaction(
      `Transaction with { txnNumber: ${key.txnNumber} } has been aborted or was never started.`,
    );
  }

  abort(cmd: Document): Document {
    const { session, key } = controlKey(cmd);
    const open = this.open;
    if (open && open.session === session && key.txnNumber === open.key.txnNumber) {
      this.abortOpen();
      return { ok: 1 };
    }
    this.settleOlder(session, key, open);
    const last = this.ended.get(session);
    if (last && key.txnNumber < last.txnNumber) throw tooOld(key.txnNumber, last.txnNumber);
    if (last?.txnNumber === key.txnNumber && last.committed) {
      throw mongoError(
        'IllegalOperation',
        `Transaction with { txnNumber: ${key.txnNumber} } has been committed; it cannot be aborted`,
      );
    }
    throw noSuchTransaction(
      `Transaction with { txnNumber: ${key.txnNumber} } has been aborted or was never started.`,
    );
  }

  /** commit/abort naming a number other than its session's open transaction's. */
  private settleOlder(session: string, key: RetryKey, open: OpenTransaction | undefined): void {
    if (!open || open.session !== session) return;
    if (key.txnNumber < open.key.txnNumber) throw tooOld(key.txnNumber, open.key.txnNumber);
    this.abortOpen();
  }

  private endSessions(ids: unknown): void {
    if (!Array.isArray(ids) || !this.open) return;
    for (const id of ids) {
      if (isPlainObject(id) && this.open && sessionKey(id).toString('hex') === this.open.session)
        this.abortOpen();
    }
  }

  /** A client connection closed: the transaction ends with the last open connection that carried it. */
  connectionClosed(connectionId: number): void {
    const open = this.open;
    if (open?.connections.delete(connectionId) && open.connections.size === 0) this.abortOpen();
  }

  /** Rolls back the open transaction and answers the waiting commands (the store is closing). */
  close(): void {
    this.closed = true;
    if (this.open) this.abortOpen();
    for (const w of this.queue.splice(0))
      w.resolve({
        ok: 0,
        code: 91,
        codeName: 'ShutdownInProgress',
        errmsg: 'the store is closing',
      });
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.queue.length === 0) return;
    this.drainScheduled = true;
    // After the reply of the command that ended the transaction.
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Runs waiting commands in arrival order until one opens a transaction; others' commands wait again. */
  private drain(): void {
    const waiting = this.queue;
    this.queue = [];
    for (const w of waiting) {
      const session = sessionOf(w.cmd);
      if (this.closed || (this.open && session !== this.open.session)) {
        this.queue.push(w);
        continue;
      }
      try {
        w.resolve(this.run(w.cmd, w.base, session));
      } catch (err) {
        w.resolve(Promise.reject(err instanceof Error ? err : new Error(String(err))));
      }
    }
    if (this.closed) this.close();
  }
}

function sessionOf(cmd: Document): string | undefined {
  const lsid: unknown = cmd.lsid;
  return isPlainObject(lsid) ? sessionKey(lsid).toString('hex') : undefined;
}

function controlKey(cmd: Document): { session: string; key: RetryKey } {
  const key = retryKey(cmd);
  if (!key)
    throw mongoError(
      'InvalidOptions',
      "'commitTransaction' and 'abortTransaction' need a session: 'lsid' and 'txnNumber'",
    );
  if (cmd.autocommit !== false)
    throw mongoError(
      'InvalidOptions',
      "'commitTransaction' and 'abortTransaction' need 'autocommit: false'",
    );
  return { session: key.session.toString('hex'), key };
}

function tooOld(txnNumber: number, newer: number): MongoCommandError {
  return mongoError(
    'TransactionTooOld',
    `Cannot start transaction ${txnNumber} on session because a newer transaction ${newer} has already started`,
  );
}

function checkTransactionReadConcern(cmd: Document): void {
  const rc: unknown = cmd.readConcern;
  if (!isPlainObject(rc) || rc.level === undefined) return;
  if (typeof rc.level !== 'string' || !TXN_READ_CONCERNS.has(rc.level)) {
    throw mongoError(
      'InvalidOptions',
      `The readConcern level must be either 'local' (default), 'majority' or 'snapshot' in order to run in a transaction; got ${JSON.stringify(rc.level)}`,
    );
  }
}

/** MongoDB 7's rules for what may run inside a transaction. */
function checkStatement(
  name: string,
  cmd: Document,
  ctx: CommandContext,
  open: OpenTransaction | undefined,
): void {
  if (!ALLOWED.has(name))
    throw notInTransaction(
      `Cannot run '${Object.keys(cmd)[0] ?? name}' in a multi-document transaction.`,
    );
  if (ctx.db === 'admin' || ctx.db === 'config' || ctx.db === 'local') {
    throw notInTransaction(`Cannot run command against the '${ctx.db}' database in a transaction.`);
  }
  if (cmd.writeConcern !== undefined)
    throw mongoError('InvalidOptions', 'Cannot set write concern after starting a transaction.');
  if (name === 'create') {
    if (cmd.capped === true)
      throw notInTransaction('Cannot create a capped collection in a multi-document transaction.');
    if (cmd.viewOn !== undefined)
      throw notInTransaction('Cannot create a view in a multi-document transaction.');
  }
  if (name === 'aggregate' && Array.isArray(cmd.pipeline)) {
    for (const stage of cmd.pipeline as unknown[]) {
      if (!isPlainObject(stage)) continue;
      if ('$out' in stage || '$merge' in stage)
        throw notInTransaction(
          `${'$out' in stage ? '$out' : '$merge'} cannot be used in a transaction`,
        );
      if ('$changeStream' in stage)
        throw notInTransaction('Operation not permitted in transaction: $changeStream');
    }
  }
  if (name === 'createindexes' && typeof cmd.createIndexes === 'string') {
    const ns = `${ctx.db}.${cmd.createIndexes}`;
    // The first statement opens the transaction after this check: everything existing is "existing".
    const existed = open
      ? open.existing.has(ns)
      : ctx.store.getCollection(ctx.db, cmd.createIndexes) !== undefined;
    if (existed)
      throw notInTransaction(
        `Cannot create new indexes on existing collection ${ns} in a multi-document transaction.`,
      );
  }
}

/** commitTransaction and abortTransaction (admin commands; the store without transactions refuses them in dispatch). */
export const transactionCommands: Record<string, CommandHandler> = {
  committransaction: (cmd, ctx) => requireTransactions(ctx).commit(cmd),
  aborttransaction: (cmd, ctx) => requireTransactions(ctx).abort(cmd),
};

function requireTransactions(ctx: CommandContext): Transactions {
  if (!ctx.transactions)
    throw mongoError(
      'IllegalOperation',
      'Transaction numbers are only allowed on a replica set member or mongos',
    );
  return ctx.transactions;
}
