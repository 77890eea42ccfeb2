import { valuesEqual } from '../bson/compare.js';
import { mongoError } from '../errors.js';
import type { CollectionStore } from '../storage/collection.js';
import { isPlainObject } from '../storage/indexKeys.js';

/**
 * A `hint` must name an existing, visible index (by name or key pattern) or `$natural`; mongod refuses
 * anything else with BadValue (2) rather than ignoring it.
 */
export function checkHint(coll: CollectionStore | undefined, hint: unknown): void {
  if (hint === undefined || hint === null || !coll) return;
  if (isPlainObject(hint) && Object.keys(hint).length === 0) return;
  if (isPlainObject(hint) && '$natural' in hint) return;
  // A hidden index cannot be hinted either (mongod answers the same BadValue).
  const found = [...coll.indexes.values()].some(
    (ix) => ix.spec.hidden !== true && (typeof hint === 'string' ? ix.spec.name === hint : isPlainObject(hint) && valuesEqual(ix.spec.key, hint)),
  );
  if (!found) throw mongoError('BadValue', 'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index');
}
