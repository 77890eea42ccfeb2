import type { Document } from 'bson';
import { mongoError } from '../errors.js';
import type { CollectionStore, StoredDoc } from '../storage/collection.js';
import { isPlainObject } from '../storage/indexKeys.js';
import { TextIndex } from '../storage/textIndex.js';
import { setTextScore } from './textScore.js';

/** English stop words mongod drops from text queries (a document matching only those matches nothing). */
const STOP_WORDS = new Set(
  ('a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can did do does doing down during each few for from further had has have having he her here hers herself him himself ' +
    'his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them themselves then there these they ' +
    'this those through to too under until up very was we were what when where which while who whom why will with you your ' +
    'yours yourself yourselves').split(' '),
);

interface TextSearch {
  terms: string[];
  phrases: string[];
  negated: string[];
}

/** Splits a `$search` string as mongod does: words, "quoted phrases", -negated words and phrases. */
export function parseSearch(search: string): TextSearch {
  const out: TextSearch = { terms: [], phrases: [], negated: [] };
  const re = /(-?)"([^"]*)"?|(-?)([^\s"]+)/g;
  for (let m = re.exec(search); m; m = re.exec(search)) {
    if (m[2] !== undefined) {
      const phrase = m[2].trim();
      if (phrase) (m[1] ? out.negated : out.phrases).push(phrase);
      continue;
    }
    for (const word of m[4]!.split(/[^\p{L}\p{N}_']+/u).filter(Boolean)) (m[3] ? out.negated : out.terms).push(word);
  }
  return out;
}

const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * The FTS5 MATCH expression for a search: any of the terms, or all of the phrases when there are
 * phrases (terms then only weigh in the score, as in mongod), minus the negated ones. Undefined
 * when nothing can match (only stop words, or only negations).
 */
export function ftsExpression(s: TextSearch, stem: boolean): string | undefined {
  const terms = stem ? s.terms.filter((t) => !STOP_WORDS.has(t.toLowerCase())) : s.terms;
  const positive = s.phrases.length > 0 ? s.phrases.map(quote).join(' AND ') : terms.map(quote).join(' OR ');
  if (!positive) return undefined;
  const negative = s.negated.map((n) => ` NOT ${quote(n)}`).join('');
  return negative ? `(${positive})${negative}` : positive;
}

/** Splits `$text` out of a filter (top level or a top-level `$and`), so mingo sees the rest. */
export function splitText(filter: Document): { text?: Document; rest: Document } {
  if (isPlainObject(filter.$text)) {
    const { $text, ...rest } = filter;
    return { text: $text, rest };
  }
  if (Array.isArray(filter.$and)) {
    const clauses = filter.$and as Document[];
    const i = clauses.findIndex((c) => isPlainObject(c) && isPlainObject(c.$text));
    if (i >= 0) {
      const { text, rest } = splitText(clauses[i]!);
      const others = clauses.filter((_, j) => j !== i);
      const andRest = others.length > 0 ? { ...filter, $and: [...others, rest] } : (({ $and: _a, ...r }) => ({ ...r, ...rest }))(filter);
      return { text, rest: andRest };
    }
  }
  return { rest: filter };
}

export function hasText(filter: Document | undefined): boolean {
  return filter !== undefined && (filter.$text !== undefined || (Array.isArray(filter.$and) && (filter.$and as unknown[]).some((c) => isPlainObject(c) && c.$text !== undefined)));
}

/**
 * The documents a `$text` query matches, read lazily through the collection's text index
 * (mongod's error 27 without one), best score first when `byScore`; each document carries its
 * score for `{$meta: 'textScore'}`. Only the documents a caller reads are fetched, so "best 50"
 * costs the FTS5 match plus 50 document reads.
 */
export function* textCandidates(coll: CollectionStore | undefined, text: Document, byScore = false): Generator<StoredDoc> {
  for (const key of Object.keys(text)) {
    if (!['$search', '$language', '$caseSensitive', '$diacriticSensitive'].includes(key)) throw mongoError('BadValue', `Unrecognized field ${key} in $text`);
  }
  if (typeof text.$search !== 'string') throw mongoError('BadValue', '$search needs a String');
  if (text.$language !== undefined && typeof text.$language !== 'string') throw mongoError('BadValue', '$language needs a String');
  const index = coll ? [...coll.indexes.values()].map((ix) => ix.derived).find((d): d is TextIndex => d instanceof TextIndex) : undefined;
  if (!index) throw mongoError('IndexNotFound', 'text index required for $text query');
  const language = (text.$language as string | undefined) ?? index.language;
  const match = ftsExpression(parseSearch(text.$search), language !== 'none');
  if (!match) return;
  const hits = index.search(match);
  if (byScore) hits.sort((a, b) => b.score - a.score || a.rid - b.rid);
  for (const { rid, score } of hits) {
    const doc = coll!.get(rid);
    if (!doc) continue;
    setTextScore(doc, score);
    yield { rid, doc };
  }
}
