import { ObjectId, type Document } from 'bson';
import { mongoError } from '../errors.js';
import { isPlainObject } from '../storage/indexKeys.js';
import { idFirst } from '../update/applyUpdate.js';
import { collectionName, docArray, type CommandHandler } from './context.js';
import { checkValidator, trimCapped } from './validation.js';
import { refuseView } from './views.js';
import { toWriteError, withWriteErrors } from './writeErrors.js';

/** The _id rules mongod applies to every stored document. */
export function prepareForInsert(doc: Document): Document {
  if (!isPlainObject(doc)) throw mongoError('BadValue', 'document to insert must be an object');
  const withId = doc._id !== undefined ? doc : { _id: new ObjectId(), ...doc };
  const id: unknown = withId._id;
  if (Array.isArray(id)) throw mongoError('InvalidIdField', "can't use an array for _id");
  if (id instanceof RegExp) throw mongoError('InvalidIdField', "can't use a regex for _id");
  if (isPlainObject(id) && Object.keys(id).some((k) => k.startsWith('$'))) {
    throw mongoError('DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${Object.keys(id)[0]} is not valid for storage.`);
  }
  return idFirst(withId);
}

/**
 * Documents per insert from which index keys are written directly rather than buffered: a bulk
 * load, whose keys fill merges of their own anyway. A group commit's batch (tens of documents)
 * is buffered like a single insert: its keys written straight to the tables cost 12–24 % more
 * CPU per document at 16 per batch, and no less at 64 or 256 (bench/README.md, 2026-12-07).
 */
export const DIRECT_BATCH = 256;

/** insert: one transaction; ordered stops at the first write error, unordered carries on. */
export const insert: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'insert');
  const docs = docArray(cmd, 'documents');
  const ordered = cmd.ordered !== false;
  const writeErrors: Document[] = [];
  const bypass = cmd.bypassDocumentValidation === true;
  let n = 0;
  refuseView(ctx, name);
  ctx.store.transaction(() => {
    const coll = ctx.store.ensureCollection(ctx.db, name);
    for (const [i, doc] of docs.entries()) {
      try {
        const prepared = prepareForInsert(doc);
        checkValidator(coll, prepared, { bypass });
        coll.insert(prepared, docs.length >= DIRECT_BATCH);
        trimCapped(coll);
        n++;
      } catch (err) {
        writeErrors.push(toWriteError(i, err));
        if (ordered) break;
      }
    }
  });
  return withWriteErrors({ n, ok: 1 }, writeErrors);
};
