import type { Store } from './storage/store.js';
import { runQuery } from './query/execute.js';

/**
 * Deletes documents whose TTL-indexed date is older than expireAfterSeconds, as mongod's TTL
 * monitor does (it, too, runs periodically, so expiry is not instantaneous).
 */
export function reapExpired(store: Store, now = Date.now()): number {
  let removed = 0;
  for (const db of store.databases()) {
    for (const coll of store.listCollections(db)) {
      for (const ix of coll.indexes.values()) {
        const seconds = ix.spec.expireAfterSeconds;
        const fields = Object.keys(ix.spec.key);
        if (typeof seconds !== 'number' || fields.length !== 1) continue;
        const cutoff = new Date(now - seconds * 1000);
        store.transaction(() => {
          for (const { rid, doc } of runQuery(coll, { filter: { [fields[0]!]: { $lte: cutoff } } })) {
            coll.remove(rid, doc);
            removed++;
          }
        });
      }
    }
  }
  return removed;
}
