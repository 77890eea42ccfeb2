import { mongoError } from '../errors.js';
import type { CommandHandler } from './context.js';

function splitNamespace(value: unknown, field: string): { db: string; coll: string } {
  const dot = typeof value === 'string' ? value.indexOf('.') : -1;
  if (typeof value !== 'string' || dot <= 0 || dot === value.length - 1) {
    throw mongoError('InvalidNamespace', `Invalid namespace specified for '${field}': ${JSON.stringify(value)}`);
  }
  return { db: value.slice(0, dot), coll: value.slice(dot + 1) };
}

/**
 * renameCollection (an admin command): moves a collection within or across databases, replacing
 * the target only with `dropTarget: true`. Change streams see a 'rename' event, and streams on
 * either collection are invalidated.
 */
const renameCollection: CommandHandler = (cmd, ctx) => {
  if (ctx.db !== 'admin') throw mongoError('Unauthorized', 'renameCollection may only be run against the admin database.');
  const from = splitNamespace(cmd.renameCollection, 'renameCollection');
  const to = splitNamespace(cmd.to, 'to');
  if (cmd.dropTarget !== undefined && typeof cmd.dropTarget !== 'boolean') throw mongoError('TypeMismatch', "BSON field 'dropTarget' must be a boolean");
  if (from.db === to.db && from.coll === to.coll) throw mongoError('IllegalOperation', "Can't rename a collection to itself");
  ctx.store.transaction(() => {
    const source = ctx.store.getCollection(from.db, from.coll);
    if (!source) throw mongoError('NamespaceNotFound', `Source collection ${from.db}.${from.coll} does not exist`);
    ctx.store.renameCollection(source, to.db, to.coll, cmd.dropTarget === true);
  });
  return { ok: 1 };
};

export const namespaceCommands: Record<string, CommandHandler> = {
  renamecollection: renameCollection,
};
