import type { Document } from 'bson';
import { encodeKey } from '../bson/keyEncoding.js';
import { TypeRank, typeRank } from '../bson/typeOrder.js';
import type { CollectionStore, IndexState, StoredDoc } from '../storage/collection.js';
import { isPlainObject } from '../storage/indexKeys.js';

const TOP = Buffer.from([0xff]);
const MAX_POINTS = 1000;

/**
 * `{ field: { $in: [...] } }` on the leading field of an index becomes one point lookup per
 * value — what populate() sends (`_id: { $in: ids }`), which would otherwise scan the collection.
 */
export function inLookup(coll: CollectionStore, filter: Document): { index: IndexState; values: unknown[] } | undefined {
  for (const [field, pred] of Object.entries(filter)) {
    if (field.startsWith('$') || !isPlainObject(pred) || Object.keys(pred).length !== 1 || !Array.isArray(pred.$in)) continue;
    const values = pred.$in as unknown[];
    const scalar = (v: unknown) => ![TypeRank.array, TypeRank.regex, TypeRank.object, TypeRank.nullish].includes(typeRank(v) as never);
    if (values.length > MAX_POINTS || !values.every(scalar)) continue;
    for (const ix of coll.indexes.values()) {
      const [first] = Object.keys(ix.spec.key);
      // Sparse indexes qualify: the $in values are never null, so unindexed documents cannot match.
      if (first === field && ix.keyer.maintained && !ix.spec.partialFilterExpression) return { index: ix, values };
    }
  }
  return undefined;
}

/** Candidates for an $in lookup, each document once, in index order as mongod returns them. */
export function* inCandidates(coll: CollectionStore, lookup: { index: IndexState; values: unknown[] }): Generator<StoredDoc> {
  const seen = new Set<number>();
  const dir = lookup.index.keyer.directions[0] ?? 1;
  const prefixes = lookup.values.map((v) => encodeKey([v], [dir])).sort((a, b) => Buffer.compare(a, b));
  for (const prefix of prefixes) {
    for (const item of coll.indexRange(lookup.index, prefix, Buffer.concat([prefix, TOP]), false)) {
      if (seen.has(item.rid)) continue;
      seen.add(item.rid);
      yield item;
    }
  }
}
