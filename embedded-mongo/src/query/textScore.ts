import type { Document } from 'bson';

/**
 * The `$text` relevance score of documents a text query returned, for `{$meta: 'textScore'}` in
 * projections and sorts. Held beside the (decoded, per-query) document objects, never stored.
 */
const scores = new WeakMap<Document, number>();

export function setTextScore(doc: Document, score: number): void {
  scores.set(doc, score);
}

export function textScoreOf(doc: Document): number | undefined {
  return scores.get(doc);
}
