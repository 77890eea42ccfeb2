import type { Document } from 'bson';
import { Long } from 'bson';
import { valuesEqual } from '../bson/compare.js';
import { mongoError } from '../errors.js';
import { compileFilter } from '../query/matcher.js';
import { collectionName, optionalDoc, type CommandHandler } from './context.js';
import { cursorReply } from './find.js';

const create: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'create');
  const { create: _name, $db: _db, lsid: _lsid, $clusterTime: _ct, writeConcern: _wc, comment: _c, ...options } = cmd;
  if (options.viewOn !== undefined) {
    if (typeof options.viewOn !== 'string' || options.viewOn === '') throw mongoError('BadValue', "'viewOn' option must be a non-empty string");
    if (options.pipeline !== undefined && !Array.isArray(options.pipeline)) throw mongoError('BadValue', "'pipeline' option must be an array");
    options.pipeline ??= [];
  } else if (options.pipeline !== undefined) throw mongoError('BadValue', "'pipeline' requires 'viewOn' to also be specified");
  if (options.capped === true && typeof options.size !== 'number' && typeof options.size !== 'object') throw mongoError('InvalidOptions', 'the size field is required when creating a capped collection');
  if (options.validator !== undefined) compileFilter(optionalDoc(options, 'validator'));
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
    .map((c) =>
      typeof c.options.viewOn === 'string'
        ? { name: c.name, type: 'view', options: c.options, info: { readOnly: true } }
        : { name: c.name, type: 'collection', options: c.options, info: { readOnly: false }, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } },
    )
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

/**
 * collMod: changes a collection's validator (and its level and action), a view's definition,
 * or an index's `expireAfterSeconds` / `hidden`.
 */
const collMod: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'collMod');
  const coll = ctx.store.getCollection(ctx.db, name);
  if (!coll) throw mongoError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  const { collMod: _name, $db: _db, lsid: _lsid, $clusterTime: _ct, writeConcern: _wc, comment: _c, index, ...changes } = cmd;
  const allowed = ['validator', 'validationLevel', 'validationAction', 'viewOn', 'pipeline', 'expireAfterSeconds', 'changeStreamPreAndPostImages', 'timeseries'];
  for (const k of Object.keys(changes)) if (!allowed.includes(k)) throw mongoError('InvalidOptions', `unknown option to collMod: ${k}`);
  if (changes.validator !== undefined) compileFilter(optionalDoc(changes, 'validator'));
  if (changes.validationLevel !== undefined && !['off', 'strict', 'moderate'].includes(changes.validationLevel as string)) throw mongoError('BadValue', `Enumeration value '${String(changes.validationLevel)}' for field 'validationLevel' is not a valid value.`);
  if (changes.validationAction !== undefined && !['error', 'warn'].includes(changes.validationAction as string)) throw mongoError('BadValue', `Enumeration value '${String(changes.validationAction)}' for field 'validationAction' is not a valid value.`);
  const images = changes.changeStreamPreAndPostImages as { enabled?: unknown } | undefined;
  if (images !== undefined && (typeof images !== 'object' || images === null || typeof images.enabled !== 'boolean')) throw mongoError('TypeMismatch', "BSON field 'changeStreamPreAndPostImages' must be { enabled: <bool> }");
  const reply: Document = { ok: 1 };
  ctx.store.transaction(() => {
    if (Object.keys(changes).length > 0) ctx.store.setOptions(coll, { ...coll.options, ...changes });
    if (index === undefined) return;
    const spec = optionalDoc(cmd, 'index')!;
    const ix = [...coll.indexes.values()].find((i) => (typeof spec.name === 'string' ? i.spec.name === spec.name : valuesEqual(i.spec.key, spec.keyPattern)));
    if (!ix) throw mongoError('IndexNotFound', `cannot find index ${JSON.stringify(spec.name ?? spec.keyPattern)} for ns ${ctx.db}.${name}`);
    const next = { ...ix.spec };
    if (spec.expireAfterSeconds !== undefined) {
      reply.expireAfterSeconds_old = ix.spec.expireAfterSeconds;
      reply.expireAfterSeconds_new = next.expireAfterSeconds = Number(spec.expireAfterSeconds);
    }
    if (spec.hidden !== undefined) {
      if (ix.spec.name === '_id_') throw mongoError('BadValue', 'can\'t hide _id index');
      reply.hidden_old = ix.spec.hidden === true;
      reply.hidden_new = spec.hidden === true;
      if (spec.hidden === true) next.hidden = true;
      else delete next.hidden;
    }
    ctx.store.setIndexSpec(coll, ix.spec.name, next);
  });
  return reply;
};

export const catalogCommands: Record<string, CommandHandler> = {
  create,
  collmod: collMod,
  drop,
  listcollections: listCollections,
  listdatabases: listDatabases,
  dropdatabase: dropDatabase,
};
