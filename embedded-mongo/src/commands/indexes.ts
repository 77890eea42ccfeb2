import { Long, type Document } from 'bson';
import { valuesEqual } from '../bson/compare.js';
import { mongoError } from '../errors.js';
import type { IndexSpec } from '../storage/indexKeys.js';
import { isTextKey, normalizeTextSpec } from '../storage/textIndex.js';
import { collectionName, docArray, type CommandHandler } from './context.js';
import { cursorReply } from './find.js';
import { refuseView } from './views.js';

/** Default index names follow MongoDB: `field_1_other_-1`. */
export function defaultIndexName(key: Document): string {
  return Object.entries(key).map(([f, d]) => `${f}_${String(d)}`).join('_');
}

function validateKey(key: unknown): Record<string, number | string> {
  if (typeof key !== 'object' || key === null || Array.isArray(key) || Object.keys(key).length === 0) {
    throw mongoError('CannotCreateIndex', 'Index keys cannot be empty.');
  }
  for (const [f, d] of Object.entries(key)) {
    const ok = (typeof d === 'number' && d !== 0 && Number.isFinite(d)) || ['text', 'hashed', '2dsphere', '2d'].includes(d as string);
    if (!ok) throw mongoError('CannotCreateIndex', `Values in the index key pattern can contain only non-zero numbers or strings; found ${f}: ${String(d)}`);
  }
  return key as Record<string, number | string>;
}

/** The options that make two indexes of one name different (not its name, version or build hints). */
function comparableOptions(spec: IndexSpec): Document {
  const { name: _n, v: _v, key: _k, background: _b, ...options } = spec;
  for (const k of Object.keys(options)) if (options[k] === false || options[k] === undefined) delete options[k];
  return Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const createIndexes: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'createIndexes');
  const specs = docArray(cmd, 'indexes');
  if (specs.length === 0) throw mongoError('BadValue', 'Must specify at least one index to create');
  refuseView(ctx, name);
  return ctx.store.transaction(() => {
    const existed = ctx.store.getCollection(ctx.db, name) !== undefined;
    const coll = ctx.store.ensureCollection(ctx.db, name);
    const before = coll.indexes.size;
    for (const raw of specs) {
      const key = validateKey(raw.key);
      const spec: IndexSpec = isTextKey(key) ? normalizeTextSpec(raw, key) : { ...raw, v: 2, key, name: typeof raw.name === 'string' ? raw.name : defaultIndexName(key) };
      const sameName = coll.indexes.get(spec.name);
      if (sameName) {
        if (!valuesEqual(sameName.spec.key, spec.key)) throw mongoError('IndexKeySpecsConflict', `An existing index has the same name as the requested index but different keys. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`);
        if (!valuesEqual(comparableOptions(sameName.spec), comparableOptions(spec))) {
          throw mongoError('IndexOptionsConflict', `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`);
        }
        continue;
      }
      // mongod allows one key pattern twice only with a different collation or partial filter.
      const sameKey = [...coll.indexes.values()].find((ix) => valuesEqual(ix.spec.key, spec.key) && valuesEqual(ix.spec.collation, spec.collation) && valuesEqual(ix.spec.partialFilterExpression, spec.partialFilterExpression));
      if (sameKey) throw mongoError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.spec.name}`);
      ctx.store.createIndex(coll, spec);
    }
    return { numIndexesBefore: before, numIndexesAfter: coll.indexes.size, createdCollectionAutomatically: !existed, ok: 1 };
  });
};

const listIndexes: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'listIndexes');
  const coll = ctx.store.getCollection(ctx.db, name);
  if (!coll) throw mongoError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  return cursorReply(Long.ZERO, `${ctx.db}.${name}`, [...coll.indexes.values()].map((ix) => ix.spec), true);
};

/** dropIndexes accepts a name, a key pattern, a list of names, or '*' (all but _id_). */
const dropIndexes: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'dropIndexes');
  const coll = ctx.store.getCollection(ctx.db, name);
  if (!coll) throw mongoError('NamespaceNotFound', `ns not found ${ctx.db}.${name}`);
  const target: unknown = cmd.index;
  const nIndexesWas = coll.indexes.size;
  ctx.store.transaction(() => {
    let names: string[];
    if (target === '*') names = [...coll.indexes.keys()].filter((n) => n !== '_id_');
    else if (typeof target === 'string') names = [target];
    else if (Array.isArray(target)) names = target.map(String);
    else {
      const hit = [...coll.indexes.values()].find((ix) => valuesEqual(ix.spec.key, target));
      if (!hit) throw mongoError('IndexNotFound', `can't find index with key: ${JSON.stringify(target)}`);
      names = [hit.spec.name];
    }
    if (names.includes('_id_')) throw mongoError('InvalidOptions', 'cannot drop _id index');
    for (const n of names) ctx.store.dropIndex(coll, n);
  });
  return { nIndexesWas, ok: 1 };
};

export const indexCommands: Record<string, CommandHandler> = {
  createindexes: createIndexes,
  listindexes: listIndexes,
  dropindexes: dropIndexes,
};
