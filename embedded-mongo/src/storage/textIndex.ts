import type Database from 'better-sqlite3';
import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import { isPlainObject, pathValues, type IndexSpec } from './indexKeys.js';

/**
 * A MongoDB text index on SQLite FTS5: one FTS5 table `ix<N>` whose rowid is the document's rid,
 * one column per weighted field (or a single one for the `$**` wildcard). English indexes stem
 * with FTS5's porter tokenizer; `default_language: 'none'` only folds case and diacritics, as
 * mongod does. Scores are FTS5's bm25 with the index weights, negated so higher is better.
 */
export class TextIndex {
  readonly fields: string[];
  readonly weights: number[];
  readonly language: string;
  private readonly insertRow: Database.Statement;
  private readonly deleteRow: Database.Statement<[number]>;
  private readonly searchStmt: Database.Statement<[string], { rid: number; score: number }>;

  constructor(
    db: Database.Database,
    readonly table: string,
    spec: IndexSpec,
  ) {
    const weights = (spec.weights ?? {}) as Record<string, number>;
    this.fields = Object.keys(weights);
    this.weights = this.fields.map((f) => Number(weights[f]));
    this.language = typeof spec.default_language === 'string' ? spec.default_language : 'english';
    const tokenizer = this.language === 'none' ? 'unicode61 remove_diacritics 2' : 'porter unicode61 remove_diacritics 2';
    const columns = this.fields.map((_, i) => `c${i}`);
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING fts5(${columns.join(', ')}, tokenize = '${tokenizer}')`);
    this.insertRow = db.prepare(`INSERT INTO ${table} (rowid, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`);
    this.deleteRow = db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);
    this.searchStmt = db.prepare(`SELECT rowid AS rid, -bm25(${table}, ${this.weights.join(', ')}) AS score FROM ${table} WHERE ${table} MATCH ?`);
  }

  /** The text of each indexed field of a document (strings, and strings inside arrays). */
  private texts(doc: Document): string[] {
    return this.fields.map((f) => {
      const out: string[] = [];
      if (f === '$**') collectStrings(doc, out);
      else for (const v of pathValues(doc, f.split('.')).values) collectStrings(v, out, false);
      return out.join('\n');
    });
  }

  /** Whether a change to these top-level fields can change the indexed text. */
  touchedBy(fields: ReadonlySet<string>): boolean {
    return this.fields.some((f) => f === '$**' || fields.has(f.split('.')[0]!));
  }

  add(doc: Document, rid: number): void {
    const texts = this.texts(doc);
    if (texts.every((t) => t === '')) return;
    this.insertRow.run(rid, ...texts);
  }

  remove(rid: number): void {
    this.deleteRow.run(rid);
  }

  update(oldDoc: Document, newDoc: Document, rid: number): void {
    const before = this.texts(oldDoc);
    const after = this.texts(newDoc);
    if (before.every((t, i) => t === after[i])) return;
    this.remove(rid);
    this.add(newDoc, rid);
  }

  /** Documents matching an FTS5 MATCH expression, with their scores. */
  search(match: string): { rid: number; score: number }[] {
    try {
      return this.searchStmt.all(match);
    } catch (err) {
      throw mongoError('BadValue', `Invalid $text search: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function collectStrings(v: unknown, out: string[], deep = true): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const e of v) collectStrings(e, out, deep);
  else if (deep && isPlainObject(v)) for (const e of Object.values(v)) collectStrings(e, out, deep);
}

/** True for a spec whose key has a text component. */
export function isTextKey(key: Record<string, unknown>): boolean {
  return Object.values(key).includes('text') || '_fts' in key;
}

/**
 * The text index spec as mongod stores and lists it: `key: {_fts: 'text', _ftsx: 1}` with the
 * fields in `weights` (1 unless given), `default_language`, `language_override` and
 * `textIndexVersion: 3` — what mongoose's syncIndexes compares against.
 */
export function normalizeTextSpec(raw: Document, key: Record<string, number | string>): IndexSpec {
  const textFields = Object.entries(key).filter(([, d]) => d === 'text').map(([f]) => f);
  const others = Object.entries(key).filter(([f, d]) => d !== 'text' && f !== '_fts' && f !== '_ftsx');
  if (others.length > 0) throw mongoError('CannotCreateIndex', 'compound text indexes (text fields with ascending/descending fields) are not supported by embedded-mongo');
  const given = isPlainObject(raw.weights) ? (raw.weights) : {};
  const weights: Record<string, number> = {};
  for (const f of textFields) weights[f] = 1;
  for (const [f, w] of Object.entries(given)) {
    const n = Number(w);
    if (!Number.isInteger(n) || n < 1 || n >= 100_000) throw mongoError('CannotCreateIndex', `text index weight must be in the exclusive interval (0,99999) but found: ${JSON.stringify(w)}`);
    weights[f] = n;
  }
  const { weights: _w, key: _k, ...options } = raw;
  const name = typeof raw.name === 'string' ? raw.name : textFields.map((f) => `${f}_text`).join('_');
  return {
    ...options,
    v: 2,
    key: { _fts: 'text', _ftsx: 1 },
    name,
    weights,
    default_language: typeof raw.default_language === 'string' ? raw.default_language : 'english',
    language_override: typeof raw.language_override === 'string' ? raw.language_override : 'language',
    textIndexVersion: 3,
  };
}
