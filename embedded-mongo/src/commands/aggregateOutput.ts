import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { runQuery } from '../query/execute.js';
import { applyUpdate } from '../update/applyUpdate.js';
import type { CommandContext } from './context.js';
import { prepareForInsert } from './insert.js';

function target(ctx: CommandContext, spec: unknown, stage: string): { db: string; coll: string } {
  const t = typeof spec === 'string' ? { coll: spec } : (spec as { db?: unknown; coll?: unknown } | undefined);
  if (typeof t?.coll !== 'string') throw mongoError('FailedToParse', `${stage} requires a target collection name`);
  return { db: typeof t.db === 'string' ? t.db : ctx.db, coll: t.coll };
}

/** $out: replaces the target collection with the pipeline's results, atomically. */
export function writeOut(ctx: CommandContext, spec: unknown, docs: Document[]): void {
  const { db, coll: name } = target(ctx, spec, '$out');
  ctx.store.transaction(() => {
    ctx.store.dropCollection(db, name);
    const coll = ctx.store.createCollection(db, name);
    for (const d of docs) coll.insert(prepareForInsert(d));
  });
}

/** $merge: upserts results into the target, matched on `on` (default `_id`). */
export function writeMerge(ctx: CommandContext, raw: unknown, docs: Document[]): void {
  const spec = (typeof raw === 'string' ? { into: raw } : raw) as Document;
  const { db, coll: name } = target(ctx, spec.into, '$merge');
  const on = spec.on === undefined ? ['_id'] : Array.isArray(spec.on) ? (spec.on as string[]) : [String(spec.on)];
  const whenMatched: unknown = spec.whenMatched ?? 'merge';
  const whenNotMatched: unknown = spec.whenNotMatched ?? 'insert';
  ctx.store.transaction(() => {
    const coll = ctx.store.ensureCollection(db, name);
    for (const doc of docs) {
      const filter = Object.fromEntries(on.map((f) => [f, doc[f] as unknown]));
      const [hit] = whenMatched === 'fail' ? [] : runQuery(coll, { filter, limit: 1 });
      if (!hit) {
        if (whenNotMatched === 'fail') throw mongoError('OperationFailed', '$merge could not find a matching document in the target collection');
        if (whenNotMatched === 'insert') coll.insert(prepareForInsert(doc));
        continue;
      }
      if (whenMatched === 'keepExisting') continue;
      const { _id: _ignored, ...fields } = doc;
      // Change streams see a 'replace' for whenMatched: 'replace', an 'update' otherwise.
      const update = whenMatched === 'replace' ? undefined : Array.isArray(whenMatched) ? (whenMatched as Document[]) : { $set: fields };
      const next = update === undefined
        ? { ...doc, _id: hit.doc._id as unknown }
        : applyUpdate(hit.doc, update, Array.isArray(update) ? { variables: { new: doc } } : {});
      coll.replace(hit.rid, hit.doc, next, { update });
    }
  });
}
