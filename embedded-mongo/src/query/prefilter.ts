import type { Document } from 'bson';
import { isPlainObject } from '../storage/indexKeys.js';

function stringEqualities(filter: Document, out: string[]): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlainObject(clause)) stringEqualities(clause, out);
    } else if (!key.startsWith('$')) {
      if (typeof value === 'string') out.push(value);
      else if (isPlainObject(value) && typeof value.$eq === 'string') out.push(value.$eq);
      // `$in` of one string is that equality (Activity filters by one status or agent this way).
      else if (
        isPlainObject(value) &&
        Object.keys(value).length === 1 &&
        Array.isArray(value.$in) &&
        value.$in.length === 1 &&
        typeof value.$in[0] === 'string'
      )
        out.push(value.$in[0]);
    }
  }
}

/**
 * A necessary condition checked on raw BSON before decoding, for collection scans: a document
 * can only match `{ field: 'text' }` if the bytes of 'text' plus BSON's string terminator occur
 * in it (whether the field holds the string or an array containing it). Rejecting the rest
 * without decoding makes unindexed equality scans several times cheaper. Not used with a
 * collation, where equal strings may differ in bytes.
 */
export function rawPrefilter(filter: Document, collation: Document | undefined): ((bytes: Buffer) => boolean) | undefined {
  if (collation) return undefined;
  const strings: string[] = [];
  stringEqualities(filter, strings);
  if (strings.length === 0) return undefined;
  const needles = strings.map((s) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]));
  return (bytes) => needles.every((n) => bytes.includes(n));
}
