import type { Locator } from 'playwright-core';

/** The text of an element as drawn, one string per line on screen (from each character's box). */
export function drawnLines(el: Locator): Promise<string[]> {
  return el.evaluate((root) => {
    const lines: string[] = [];
    let top = Number.NaN;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (let i = 0; i < text.length; i++) {
        const char = text[i] ?? '';
        // a space stays with the line it ends (where it is drawn at a break varies)
        if (/\s/.test(char) && lines.length > 0) {
          lines[lines.length - 1] += char;
          continue;
        }
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        if (!box) continue;
        if (Number.isNaN(top) || Math.abs(box.top - top) > box.height / 2) lines.push('');
        top = box.top;
        lines[lines.length - 1] += char;
      }
    }
    return lines;
  });
}

/**
 * The line breaks that fall inside a word: neither at a space nor at an identifier's joint
 * (before `@` or `.`, after `_`, `-`, `/`, `:`), e.g. "bank.ex|ample". Empty when all read well.
 */
export function midWordBreaks(lines: readonly string[]): string[] {
  const bad: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const before = lines[i - 1] ?? '';
    const after = lines[i] ?? '';
    if (/[\s_\-/:]$/.test(before) || /^[\s@.]/.test(after)) continue;
    bad.push(`${before}|${after}`);
  }
  return bad;
}
