import { ObjectId, type Document } from 'bson';
import { Buffer } from 'node:buffer';
import { runQuery } from '../query/execute.js';
import { CollectionStore } from '../storage/collection.js';
import { applyUpdate, checkUpdate, idFirst } from '../update/applyUpdate.js';
import { compileCounterUpdate, compileSimpleUpdate } from '../update/simpleUpdate.js';
import { upsertSeed } from '../update/upsertSeed.js';
import { mongoError } from '../errors.js';
import { collectionName, docArray, queryExtras, type CommandContext, type CommandHandler } from './context.js';
import { prepareForInsert } from './insert.js';
import { checkHint } from './hint.js';
import { checkValidator } from './validation.js';
import { refuseView } from './views.js';
import { toWriteError, withWriteErrors } from './writeErrors.js';

export interface UpdateStatement extends Document {
  q?: Document;
  u: Document | Document[];
  upsert?: boolean;
  multi?: boolean;
  arrayFilters?: Document[];
  sort?: Document;
}

export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** The document after (or, for `before`, before) the first change, for findAndModify. */
  before?: Document;
  after?: Document;
}

/** Applies one update statement; shared by `update` and `findAndModify`. */
export function runUpdate(ctx: CommandContext, name: string, st: UpdateStatement, extras: { collation?: Document; variables?: Document } = {}, bypass = false): UpdateOutcome {
  refuseView(ctx, name);
  // Like mongod, only an upsert that inserts creates a missing collection.
  const coll = ctx.store.getCollection(ctx.db, name);
  checkHint(coll, st.hint);
  const matches = runQuery(coll, { filter: st.q, sort: st.sort, limit: st.multi ? 0 : 1, ...extras });
  const outcome: UpdateOutcome = { matched: matches.length, modified: 0 };
  const simple = matches.length > 0 ? compileSimpleUpdate(st.u, st.arrayFilters) : undefined;
  const counters = matches.length > 0 && !simple ? compileCounterUpdate(st.u, st.arrayFilters) : undefined;
  for (const { rid, doc } of matches) {
    if (simple) {
      const { next, changed } = simple(doc);
      outcome.before ??= doc;
      outcome.after ??= next;
      if (changed.size === 0) continue;
      checkValidator(coll!, next, { before: doc, bypass });
      coll!.replace(rid, doc, next, { changed, update: st.u });
      outcome.modified++;
      continue;
    }
    const counted = counters?.(doc);
    if (counted) {
      outcome.before ??= doc;
      outcome.after ??= counted.next;
      if (counted.changed.size === 0) continue;
      checkValidator(coll!, counted.next, { before: doc, bypass });
      coll!.replace(rid, doc, counted.next, { changed: counted.changed, update: st.u, description: counted.description });
      outcome.modified++;
      continue;
    }
    const next = applyUpdate(doc, st.u, { arrayFilters: st.arrayFilters, query: st.q, variables: extras.variables });
    outcome.before ??= doc;
    outcome.after ??= next;
    const bytes = CollectionStore.encode(next);
    if (Buffer.compare(CollectionStore.encode(doc), bytes) === 0) continue;
    checkValidator(coll!, next, { before: doc, bypass });
    coll!.replace(rid, doc, next, { bytes, update: st.u });
    outcome.modified++;
  }
  // mongod parses the update before it looks for documents: a bad one fails even matching none.
  if (matches.length === 0 && !st.upsert) checkUpdate(st.u, { arrayFilters: st.arrayFilters, variables: extras.variables });
  if (matches.length === 0 && st.upsert) {
    const seed = upsertSeed(st.q);
    let doc = applyUpdate(seed, st.u, { arrayFilters: st.arrayFilters, query: st.q, inserting: true, variables: extras.variables });
    if (!('_id' in doc)) doc = idFirst({ _id: (seed._id as unknown) ?? new ObjectId(), ...doc });
    doc = prepareForInsert(doc);
    const target = ctx.store.ensureCollection(ctx.db, name);
    checkValidator(target, doc, { bypass });
    target.insert(doc);
    outcome.upsertedId = doc._id;
    outcome.after = doc;
  }
  return outcome;
}

/** update: every statement in one transaction, with per-statement write errors. */
export const update: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'update');
  const statements = docArray(cmd, 'updates') as UpdateStatement[];
  const ordered = cmd.ordered !== false;
  const writeErrors: Document[] = [];
  const upserted: Document[] = [];
  let n = 0;
  let nModified = 0;
  ctx.store.transaction(() => {
    for (const [index, st] of statements.entries()) {
      try {
        // MongoDB 7.0 (the version this store reports) has no `sort` on update statements.
        if ('sort' in st) throw mongoError('UnknownField', "BSON field 'update.updates.sort' is an unknown field.");
        const r = runUpdate(ctx, name, st, queryExtras(cmd, st), cmd.bypassDocumentValidation === true);
        n += r.matched;
        nModified += r.modified;
        if (r.upsertedId !== undefined) {
          n++;
          upserted.push({ index, _id: r.upsertedId });
        }
      } catch (err) {
        writeErrors.push(toWriteError(index, err));
        if (ordered) break;
      }
    }
  });
  const reply: Document = { n, nModified, ok: 1 };
  if (upserted.length > 0) reply.upserted = upserted;
  return withWriteErrors(reply, writeErrors);
};
