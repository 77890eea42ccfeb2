import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { project, runQuery } from '../query/execute.js';
import { collectionName, optionalDoc, queryExtras, type CommandHandler } from './context.js';
import { runUpdate, type UpdateStatement } from './update.js';
import { checkHint } from './hint.js';
import { refuseView } from './views.js';

/** findAndModify: update or remove one document and return it (before or after), atomically. */
export const findAndModify: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, Object.keys(cmd)[0]!);
  const query = optionalDoc(cmd, 'query');
  const sort = optionalDoc(cmd, 'sort');
  const fields = optionalDoc(cmd, 'fields');
  const update = cmd.update as Document | Document[] | undefined;
  const returnNew = cmd.new === true;
  if (cmd.remove === true && update !== undefined) throw mongoError('FailedToParse', 'Cannot specify both an update and remove=true');
  if (cmd.remove !== true && update === undefined) throw mongoError('FailedToParse', 'Either an update or remove=true must be specified');
  if (cmd.remove === true && cmd.upsert === true) throw mongoError('FailedToParse', 'Cannot specify both upsert=true and remove=true');
  if (cmd.remove === true && returnNew) throw mongoError('FailedToParse', 'Cannot specify both new=true and remove=true; \'remove\' always returns the deleted document');
  const shape = (doc: Document | undefined): Document | null => (doc ? (project([doc], fields, query)[0] ?? null) : null);

  refuseView(ctx, name);
  checkHint(ctx.store.getCollection(ctx.db, name), cmd.hint);
  return ctx.store.transaction(() => {
    if (cmd.remove === true) {
      const coll = ctx.store.getCollection(ctx.db, name);
      const [hit] = runQuery(coll, { filter: query, sort, limit: 1, ...queryExtras(cmd) });
      if (hit) coll?.remove(hit.rid, hit.doc);
      return { lastErrorObject: { n: hit ? 1 : 0 }, value: shape(hit?.doc), ok: 1 };
    }
    const st: UpdateStatement = { q: query, u: update!, upsert: cmd.upsert === true, arrayFilters: cmd.arrayFilters as Document[] | undefined, sort };
    const r = runUpdate(ctx, name, st, queryExtras(cmd), cmd.bypassDocumentValidation === true);
    const lastErrorObject: Document = { n: r.matched + (r.upsertedId !== undefined ? 1 : 0), updatedExisting: r.matched > 0 };
    if (r.upsertedId !== undefined) lastErrorObject.upserted = r.upsertedId;
    const value = returnNew ? r.after : r.upsertedId !== undefined ? undefined : r.before;
    return { lastErrorObject, value: shape(value), ok: 1 };
  });
};
