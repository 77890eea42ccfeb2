import type { Document } from 'bson';
import { runQuery } from '../query/execute.js';
import { collectionName, docArray, queryExtras, type CommandHandler } from './context.js';
import { checkHint } from './hint.js';
import { refuseView } from './views.js';
import { toWriteError, withWriteErrors } from './writeErrors.js';

interface DeleteStatement extends Document {
  q?: Document;
  limit?: number;
}

/** delete: `limit: 1` removes the first match, `limit: 0` all of them; one transaction. */
export const remove: CommandHandler = (cmd, ctx) => {
  const name = collectionName(cmd, 'delete');
  const statements = docArray(cmd, 'deletes') as DeleteStatement[];
  const ordered = cmd.ordered !== false;
  const writeErrors: Document[] = [];
  let n = 0;
  refuseView(ctx, name);
  ctx.store.transaction(() => {
    const coll = ctx.store.getCollection(ctx.db, name);
    for (const [index, st] of statements.entries()) {
      try {
        checkHint(coll, st.hint);
        const matches = runQuery(coll, { filter: st.q, limit: Number(st.limit ?? 0) === 1 ? 1 : 0, ...queryExtras(cmd, st) });
        for (const { rid, doc } of matches) coll?.remove(rid, doc);
        n += matches.length;
      } catch (err) {
        writeErrors.push(toWriteError(index, err));
        if (ordered) break;
      }
    }
  });
  return withWriteErrors({ n, ok: 1 }, writeErrors);
};
