/**
 * Words of an audit entry for Activity search, stored on the entry as `terms` under a
 * `{ terms: 1, id: -1 }` index: a search is an index lookup of its rarest-looking word read
 * newest first, on the embedded store and on MongoDB alike, however long the log. A word is a
 * run of letters and digits, joined by `_ - . @` into one compound (`customer_id`, `C-1042`,
 * `alice@bank.example`); an entry holds each compound, its parts and its runs of parts
 * (`bank.example`), so `customer` finds `customer_id` and `customer_id` finds exactly it.
 * Matching is whole words, any case.
 */
const WORD = /[\p{L}\p{N}]+(?:[_\-.@][\p{L}\p{N}]+)*/gu;
const JOINER = /([_\-.@])/;
/** Runs of parts are stored for compounds of at most this many parts. */
const MAX_RUN_PARTS = 6;
/** Longer words are cut: nobody types them, and index keys stay short. */
const MAX_WORD = 64;
/** An entry's text is a few short fields; a huge argument preview can't bloat the index. */
const MAX_TERMS = 256;
/** A search uses at most this many words (every one must match). */
export const MAX_QUERY_TERMS = 8;

function words(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).map((w) => w.slice(0, MAX_WORD));
}

/** The distinct terms of these texts (compounds and their parts), at most {@link MAX_TERMS}. */
export function searchTerms(texts: ReadonlyArray<string | null | undefined>): string[] {
  const terms = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const word of words(text)) {
      if (terms.size >= MAX_TERMS) return [...terms];
      terms.add(word);
      for (const run of partRuns(word)) terms.add(run);
    }
  }
  return [...terms].slice(0, MAX_TERMS);
}

/** A compound's parts and runs of consecutive parts, with their joiners (`a`, `b`, `a_b`, …). */
function partRuns(word: string): string[] {
  const pieces = word.split(JOINER); // parts at even indexes, joiners between
  const n = (pieces.length + 1) / 2;
  if (n < 2) return [];
  if (n > MAX_RUN_PARTS) return pieces.filter((_, i) => i % 2 === 0);
  const runs: string[] = [];
  for (let from = 0; from < n; from++)
    for (let to = from; to < n; to++)
      if (to - from < n - 1) runs.push(pieces.slice(from * 2, to * 2 + 1).join(''));
  return runs;
}

/** The words a search must all find, longest first (a longer word is usually the rarer one). */
export function queryTerms(query: string): string[] {
  const distinct = [...new Set(words(query))];
  return distinct.sort((a, b) => b.length - a.length).slice(0, MAX_QUERY_TERMS);
}

/** What an entry is searched by: the same fields on the server (stored terms) and for live rows. */
export function entrySearchTexts(e: {
  agent: string;
  action: string;
  details?: string | null;
  argsPreview?: string | null;
  outcome?: string | null;
  actor?: string | null;
  rule?: { id: string } | null;
}): Array<string | null | undefined> {
  // The arguments last: a large preview fills the MAX_TERMS cap, and must not crowd out the
  // short fields an investigation searches by (the rule, who acted, how the call ended).
  return [e.agent, e.action, e.rule?.id, e.actor, e.details, e.outcome, e.argsPreview];
}

/** Whether an entry (e.g. one arriving live) matches a search, as the stored terms would. */
export function matchesSearch(e: Parameters<typeof entrySearchTexts>[0], query: string): boolean {
  if (!query.trim()) return true;
  const wanted = queryTerms(query);
  if (wanted.length === 0) return false;
  const have = new Set(searchTerms(entrySearchTexts(e)));
  return wanted.every((t) => have.has(t));
}
