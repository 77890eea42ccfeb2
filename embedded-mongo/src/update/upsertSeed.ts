import type { Document } from 'bson';
import { isPlainObject } from '../storage/indexKeys.js';

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Document = doc;
  for (const p of parts.slice(0, -1)) {
    const next: unknown = cur[p];
    if (!isPlainObject(next)) cur[p] = {};
    cur = cur[p] as Document;
  }
  cur[parts[parts.length - 1]!] = value;
}

function collect(filter: Document, out: Document): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value as Document[]) collect(clause, out);
      continue;
    }
    if (key.startsWith('$')) continue;
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      if ('$eq' in value) setPath(out, key, value.$eq);
      continue;
    }
    setPath(out, key, value);
  }
}

/**
 * The document an upsert starts from: the query's equality fields ({a: 1}, {a: {$eq: 1}} and
 * those inside $and), as MongoDB builds it before applying the update operators.
 */
export function upsertSeed(filter: Document | undefined): Document {
  const out: Document = {};
  if (filter) collect(filter, out);
  return out;
}
