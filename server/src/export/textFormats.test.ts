import { describe, expect, it } from 'vitest';
import { mdText } from './textFormats';

/** Review 5, L4: data in the Markdown report is text, never markup. */
describe('mdText', () => {
  it('makes HTML inert and escapes inline Markdown', () => {
    const owner =
      '<img src=x onerror=alert(document.domain)> [Chain verified ✔](https://attacker.invalid)';
    const out = mdText(owner);
    expect(out).not.toMatch(/<|>/);
    expect(out).toBe(
      '&lt;img src=x onerror=alert\\(document.domain\\)&gt; \\[Chain verified ✔\\]\\(https://attacker.invalid\\)',
    );
  });

  it.each([
    ['![x](https://t.invalid/p.png)', '\\!\\[x\\]\\(https://t.invalid/p.png\\)'],
    ['**Verified** `ok` ~~no~~', '\\*\\*Verified\\*\\* \\`ok\\` \\~\\~no\\~\\~'],
    ['a | b\n| --- |', 'a \\| b \\| --- \\|'],
    ['_forged_ note', '\\_forged\\_ note'],
    ['<script>"&"</script>', '&lt;script&gt;&quot;&amp;&quot;&lt;/script&gt;'],
    ['back\\slash', 'back\\\\slash'],
    ['# heading', '\\# heading'],
  ])('%j → %j', (input, expected) => {
    expect(mdText(input)).toBe(expected);
  });

  it('leaves ordinary names readable', () => {
    expect(mdText('loan_processor')).toBe('loan_processor');
    expect(mdText('2026-12-06T05:00:00.000Z')).toBe('2026-12-06T05:00:00.000Z');
    expect(mdText(42)).toBe('42');
    expect(mdText(null)).toBe('');
  });
});
