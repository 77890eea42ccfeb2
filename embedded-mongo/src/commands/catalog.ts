import type { Document } from 'bson';
import { Long } from 'bson';
import { compileFilter } from '../query/matcher.js';
import { collectionName, optionalDoc, type CommandHandler } from './context.js';
import { cursorReply } from './find.js';

const create: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'create');
  const { create: _name, $db: _db, lsid: _lsid, $clusterTime: _ct, writeConcern: _wc, comment: _c, ...options } = cmd;
  ctx.store.transaction(() => ctx.store.createCollection(ctx.db, name, options));
  return { ok: 1 };
};

/** drop: like MongoDB 7.0, dropping a missing collection succeeds. */
const drop: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'drop');
  const coll = ctx.store.getCollection(ctx.db, name);
  const nIndexesWas = coll?.indexes.size ?? 0;
  ctx.store.transaction(() => ctx.store.dropCollection(ctx.db, name));
  return { nIndexesWas, ns: `${ctx.db}.${name}`, ok: 1 };
};

const listCollections: CommandHandler = (cmd, ctx) => {
  const matches = compileFilter(optionalDoc(cmd, 'filter'));
  const infos = ctx.store
    .listCollections(ctx.db)
    .map((c) => ({
      name: c.name,
      type: 'collection',
      options: c.options,
      info: { readOnly: false },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    }))
    .filter(matches)
    .map((info) => (cmd.nameOnly === true ? { name: info.name, type: info.type } : info));
  return cursorReply(Long.ZERO, `${ctx.db}.$cmd.listCollections`, infos, true);
};

const listDatabases: CommandHandler = (cmd, ctx) => {
  const matches = compileFilter(optionalDoc(cmd, 'filter'));
  const databases: Document[] = ctx.store
    .databases()
    .map((name) => ({ name, sizeOnDisk: 0, empty: false }))
    .filter(matches)
    .map((d) => (cmd.nameOnly === true ? { name: d.name } : d));
  return { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
};

const dropDatabase: CommandHandler = (_cmd, ctx) => {
  ctx.store.transaction(() => ctx.store.dropDatabase(ctx.db));
  return { dropped: ctx.db, ok: 1 };
};

export const catalogCommands: Record<string, CommandHandler> = {
  create,
  drop,
  listcollections: listCollections,
  listdatabases: listDatabases,
  dropdatabase: dropDatabase,
};
