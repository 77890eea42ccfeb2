import type Database from 'better-sqlite3';
import type { Document } from 'bson';
import type { IndexSpec } from './indexKeys.js';
import { GeoIndex } from './geoIndex.js';
import { isTextKey, TextIndex } from './textIndex.js';

/**
 * An index that is not an ordered key table — text (FTS5) or geo (R-tree) — kept in step with
 * the documents by the same write path: the collection calls these hooks wherever it maintains
 * ordinary index entries.
 */
export interface DerivedIndex {
  /** Whether a change to these top-level fields can change this index's entries. */
  touchedBy(fields: ReadonlySet<string>): boolean;
  add(doc: Document, rid: number): void;
  remove(rid: number): void;
  update(oldDoc: Document, newDoc: Document, rid: number): void;
}

/** The derived index a spec calls for, creating its tables; undefined for an ordinary index. */
export function derivedIndexFor(db: Database.Database, table: string, spec: IndexSpec): DerivedIndex | undefined {
  if (isTextKey(spec.key)) return new TextIndex(db, table, spec);
  if (Object.values(spec.key).some((d) => d === '2dsphere' || d === '2d')) return new GeoIndex(db, table, spec);
  return undefined;
}
