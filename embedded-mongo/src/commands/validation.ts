import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { compileFilter, type Matcher } from '../query/matcher.js';
import { CollectionStore } from '../storage/collection.js';

const compiled = new WeakMap<Document, Matcher>();

/**
 * Document validation (`validator` given to `create` or `collMod`): a query every written
 * document must match, `$jsonSchema` included. `validationLevel: 'moderate'` skips updates of
 * documents that were already invalid, `'off'` and `validationAction: 'warn'` skip the check, as
 * does `bypassDocumentValidation`. A failure is mongod's 121 with `errInfo`.
 */
export function checkValidator(coll: CollectionStore, doc: Document, opts: { before?: Document; bypass?: boolean }): void {
  const { validator, validationLevel, validationAction } = coll.options as { validator?: Document; validationLevel?: string; validationAction?: string };
  if (!validator || opts.bypass || validationLevel === 'off' || validationAction === 'warn') return;
  let matches = compiled.get(validator);
  if (!matches) compiled.set(validator, (matches = compileFilter(validator)));
  if (validationLevel === 'moderate' && opts.before && !matches(opts.before)) return;
  if (matches(doc)) return;
  const operatorName = Object.keys(validator)[0] ?? '$and';
  throw mongoError('DocumentValidationFailure', 'Document failed validation', {
    errInfo: { failingDocumentId: doc._id as unknown, details: { operatorName, specifiedAs: validator, reason: 'the document does not match the collection validator' } },
  });
}

/**
 * A capped collection keeps its newest documents: past `max` documents (or `size` bytes of
 * documents) the oldest are removed, in insertion order, as mongod does.
 */
export function trimCapped(coll: CollectionStore): void {
  if (coll.options.capped !== true) return;
  const max = Number(coll.options.max ?? 0);
  const size = Number(coll.options.size ?? 0);
  if (max > 0) {
    const excess = coll.count() - max;
    if (excess > 0) for (const { rid, doc } of coll.oldest(excess)) coll.remove(rid, doc);
  }
  if (size > 0) {
    let bytes = coll.totalBytes();
    while (bytes > size) {
      const [oldest] = coll.oldest(1);
      if (!oldest) break;
      bytes -= CollectionStore.encode(oldest.doc).length;
      coll.remove(oldest.rid, oldest.doc);
    }
  }
}
