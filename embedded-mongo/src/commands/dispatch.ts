import type { Document } from 'bson';
import { changeStreamGetMore, killChangeStreams, openChangeStream } from '../changeStreams/commands.js';
import { isChangeStream } from '../changeStreams/spec.js';
import { mongoError, toErrorReply } from '../errors.js';
import { retryKey } from '../storage/retryableWrites.js';
import { aggregate } from './aggregate.js';
import { catalogCommands } from './catalog.js';
import type { CommandContext, CommandHandler } from './context.js';
import { remove } from './delete.js';
import { explain } from './explain.js';
import { count, distinct, find, getMore, killCursors } from './find.js';
import { findAndModify } from './findAndModify.js';
import { fsync } from './fsync.js';
import { handshakeCommands } from './handshake.js';
import { indexCommands } from './indexes.js';
import { insert } from './insert.js';
import { namespaceCommands } from './namespaces.js';
import { countCommand } from './opcounters.js';
import { checkReadConcern } from './readConcern.js';
import { stampClusterTime } from './replicaSet.js';
import { transactionCommands, type TransactionHook } from './transactions.js';
import { update } from './update.js';

type Handler = (cmd: Document, ctx: CommandContext) => Document | Promise<Document>;

/** Command names are matched case-insensitively (drivers send both isMaster and ismaster). */
const commands = new Map<string, Handler>(
  Object.entries({
    ...handshakeCommands,
    ...catalogCommands,
    ...indexCommands,
    ...namespaceCommands,
    insert,
    update,
    delete: remove,
    find,
    getmore: (cmd, ctx) => changeStreamGetMore(cmd, ctx) ?? getMore(cmd, ctx),
    killcursors: (cmd, ctx) => {
      const ids: unknown = cmd.cursors;
      if (!Array.isArray(ids)) return killCursors(cmd, ctx);
      const { killed, others } = killChangeStreams(ids, ctx);
      const reply = killCursors({ ...cmd, cursors: others }, ctx);
      reply.cursorsKilled = [...killed, ...(reply.cursorsKilled as unknown[])];
      return reply;
    },
    count,
    distinct,
    findandmodify: findAndModify,
    aggregate: (cmd, ctx) => (isChangeStream(cmd.pipeline) ? openChangeStream(cmd, ctx) : aggregate(cmd, ctx)),
    explain,
    fsync,
    ...transactionCommands,
  } satisfies Record<string, Handler>),
);

/** The writes drivers retry with the same lsid + txnNumber after a lost connection. */
const RETRYABLE: Record<string, CommandHandler> = { insert, update, delete: remove, findandmodify: findAndModify };

/**
 * A retryable write runs at most once: its reply is stored with it (same SQLite transaction), and
 * a retry of the same (lsid, txnNumber) gets the stored reply instead of writing again.
 */
function runRetryable(handler: CommandHandler, cmd: Document, ctx: CommandContext): Document {
  const key = retryKey(cmd);
  if (!key) return handler(cmd, ctx);
  const log = ctx.store.retryableWrites;
  return ctx.store.transaction(() => {
    const previous = log.previous(key);
    if (previous) return previous;
    const reply = handler(cmd, ctx);
    // A failed command (ok: 0) wrote nothing; a retry may run it again.
    if (reply.ok === 1) log.record(key, reply);
    return reply;
  });
}

function dispatch(name: string, cmd: Document, ctx: CommandContext, txn: TransactionHook | undefined): Document | Promise<Document> {
  const lower = name.toLowerCase();
  const handler = commands.get(lower);
  if (!handler) throw mongoError('CommandNotFound', `no such command: '${name}'`);
  countCommand(lower, cmd);
  if (txn) {
    // Inside a multi-document transaction: the statement is part of it, never a retryable write of its own.
    txn.enter(lower, cmd, ctx);
    checkReadConcern(cmd);
    return handler(cmd, ctx);
  }
  if ((cmd.startTransaction === true || cmd.autocommit === false) && !(ctx.transactions && (lower === 'committransaction' || lower === 'aborttransaction'))) {
    // With transactions, only the commands that never wait get here with transaction fields (hello, ping…).
    if (ctx.transactions) throw mongoError('OperationNotSupportedInTransaction', `Cannot run '${name}' in a multi-document transaction.`);
    throw mongoError(
      'IllegalOperation',
      ctx.replicaSet
        ? 'multi-document transactions are not supported by embedded-mongo'
        : 'Transaction numbers are only allowed on a replica set member or mongos',
    );
  }
  checkReadConcern(cmd);
  const retryable = ctx.replicaSet ? RETRYABLE[name.toLowerCase()] : undefined;
  if (retryable) return runRetryable(retryable, cmd, ctx);
  return handler(cmd, ctx);
}

/**
 * Runs one command and always returns a reply document (a promise for the getMores that wait on
 * a change stream): errors become `{ ok: 0, ... }`. A replica set member stamps each reply with
 * its cluster time, which drivers gossip and change streams resume from.
 */
export function handleCommand(cmd: Document, base: Omit<CommandContext, 'db'>): Document | Promise<Document> {
  const txns = base.transactions;
  // The one check on the path of commands outside transactions: is one open (or are commands waiting for one)?
  if (txns !== undefined && (txns.busy || cmd.autocommit !== undefined || cmd.startTransaction !== undefined)) return txns.route(cmd, base);
  return execute(cmd, base, undefined);
}

/** Runs a command now; `txn` when it is a statement of the open transaction. */
export function execute(cmd: Document, base: Omit<CommandContext, 'db'>, txn: TransactionHook | undefined): Document | Promise<Document> {
  const name = Object.keys(cmd)[0];
  // Envelope fields every node reads the same way: one node serves every read preference, and
  // cluster times are gossip. Drivers on a direct connection to a replica-set member send
  // $readPreference with every command; no handler should mistake it for an option.
  delete cmd.$readPreference;
  delete cmd.$clusterTime;
  const db: unknown = cmd.$db;
  const ctx: CommandContext = { ...base, db: typeof db === 'string' ? db : 'test' };
  const finish = (reply: Document): Document => (ctx.replicaSet ? stampClusterTime(reply, ctx.store.oplog) : reply);
  let result: Document | Promise<Document>;
  try {
    if (name === undefined) throw mongoError('CommandNotFound', 'no such command: ""');
    result = dispatch(name, cmd, ctx, txn);
  } catch (err) {
    return finish(toErrorReply(err));
  }
  if (result instanceof Promise) return result.then(finish, (err: unknown) => finish(toErrorReply(err)));
  return finish(result);
}

/** handleCommand for callers (tests, tools) that run commands which never wait. */
export function runCommand(cmd: Document, base: Omit<CommandContext, 'db'>): Document {
  const reply = handleCommand(cmd, base);
  if (reply instanceof Promise) throw new Error(`${Object.keys(cmd)[0] ?? ''} waits for change events: use handleCommand`);
  return reply;
}
