/**
 * Attacker-influenced text (arguments, agent names, report details) shown to a person. Characters
 * that draw nothing or change what the text around them looks like are made visible as `\uXXXX`:
 * a reviewer must read what the tool will run, not what a U+202E reorders it to look like.
 *
 * The escape is JSON's own, so applied to JSON text (where such characters can only sit inside
 * strings) the result is still valid JSON of the same value.
 */

/**
 * Hidden or direction-changing: every format character (Cf: bidi embeddings, overrides and
 * isolates, LRM/RLM/ALM, zero-width space/joiners, word joiner, BOM, tag characters…) and the
 * line/paragraph separators, which break lines where no newline shows.
 */
const HIDDEN = /[\p{Cf}\u2028\u2029]/gu;
/** Those and what a terminal acts on: C0 controls (ESC among them), DEL and C1 controls. */
const UNSAFE_FOR_TERMINAL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** `\uXXXX` per UTF-16 unit: astral characters (tag characters) become a JSON surrogate pair. */
function escapeChar(c: string): string {
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** The warning every view that shows such text puts next to it. */
export const HIDDEN_CHARS_WARNING =
  'contains hidden/direction-changing characters (shown as \\uXXXX escapes)';

/** Whether the text holds a hidden or direction-changing character. */
export function hasHiddenChars(text: string): boolean {
  return new RegExp(HIDDEN.source, 'u').test(text);
}

/** Hidden and direction-changing characters as visible `\uXXXX` escapes (JSON stays valid JSON). */
export function revealHidden(text: string): string {
  return text.replace(HIDDEN, escapeChar);
}

/**
 * Text safe to write to a terminal: control characters (ESC, BEL, CR, C1's CSI…) and hidden or
 * direction-changing ones become visible `\uXXXX`, so no cursor move, erased line, hidden text,
 * hyperlink or window title can come from data. `keep` names controls to leave alone (a whole
 * multi-line block keeps its `\n`); a table cell keeps none.
 */
export function terminalSafe(text: string, keep: readonly string[] = []): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (c) => (keep.includes(c) ? c : escapeChar(c)));
}

/**
 * Whether a JSON preview's value holds hidden characters, though the preview shows them escaped
 * (approval summaries do). A preview cut short doesn't parse: then any `\u` escape counts, which
 * JSON.stringify writes only for controls and lone surrogates, as suspect as the rest.
 */
export function previewHasHidden(preview: string | null | undefined): boolean {
  if (!preview) return false;
  try {
    return hasHiddenChars(JSON.stringify(JSON.parse(preview)));
  } catch {
    return hasHiddenChars(preview) || /\\u[0-9a-fA-F]{4}/.test(preview);
  }
}
