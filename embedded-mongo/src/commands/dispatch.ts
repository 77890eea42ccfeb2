import type { Document } from 'bson';
import { mongoError, toErrorReply } from '../errors.js';
import { aggregate } from './aggregate.js';
import { catalogCommands } from './catalog.js';
import type { CommandContext, CommandHandler } from './context.js';
import { remove } from './delete.js';
import { explain } from './explain.js';
import { count, distinct, find, getMore, killCursors } from './find.js';
import { findAndModify } from './findAndModify.js';
import { handshakeCommands } from './handshake.js';
import { indexCommands } from './indexes.js';
import { insert } from './insert.js';
import { update } from './update.js';

/** Command names are matched case-insensitively (drivers send both isMaster and ismaster). */
const commands = new Map<string, CommandHandler>(
  Object.entries({
    ...handshakeCommands,
    ...catalogCommands,
    ...indexCommands,
    insert,
    update,
    delete: remove,
    find,
    getmore: getMore,
    killcursors: killCursors,
    count,
    distinct,
    findandmodify: findAndModify,
    aggregate,
    explain,
  }),
);

/** Runs one command and always returns a reply document: errors become `{ ok: 0, ... }`. */
export function runCommand(cmd: Document, ctx: Omit<CommandContext, 'db'>): Document {
  const name = Object.keys(cmd)[0];
  try {
    if (name === undefined) throw mongoError('CommandNotFound', 'no such command: ""');
    const handler = commands.get(name.toLowerCase());
    if (!handler) throw mongoError('CommandNotFound', `no such command: '${name}'`);
    // Like a standalone mongod: multi-document transactions need a replica set.
    if (cmd.startTransaction === true || cmd.autocommit === false) {
      throw mongoError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
    }
    const db: unknown = cmd.$db;
    return handler(cmd, { ...ctx, db: typeof db === 'string' ? db : 'test' });
  } catch (err) {
    return toErrorReply(err);
  }
}
