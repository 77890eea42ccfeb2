import { describe, expect, it } from 'vitest';
import { foldForDetection, keptUnits, toOriginalSpan } from './fold';

const INVISIBLE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Mn}\p{Me}]$/u;
const DIGIT = /^\p{Nd}$/u;
/** Dingbat and double-circled digits, which have no compatibility form: ❶➀➊⓵ runs of 1–9, ⓿ and the plane-1 circled zeros. */
const CIRCLED: ReadonlyMap<number, string> = new Map([
  ...[0x2776, 0x2780, 0x278a, 0x24f5].flatMap((one) =>
    Array.from({ length: 9 }, (_, d) => [one + d, String(d + 1)] as const),
  ),
  [0x24ff, '0'],
  [0x1f10b, '0'],
  [0x1f10c, '0'],
]);

/** What a lone character must fold to, from its Unicode properties (digits aside). */
function expected(code: number, c: string): string {
  if (INVISIBLE.test(c)) return '';
  if (/^\p{White_Space}$/u.test(c)) return ' ';
  if (/^\p{Pd}$/u.test(c) || code === 0x2212) return '-';
  const circled = CIRCLED.get(code);
  if (circled !== undefined) return circled;
  const compat = c.normalize('NFKC');
  return /^[!-~]$/.test(compat) ? compat : c;
}

function mapBack(original: string, start: number, end: number): string {
  const folded = foldForDetection(original);
  const span = { start, end };
  toOriginalSpan(span, keptUnits(original, folded.length), original);
  return original.slice(span.start, span.end);
}

describe('foldForDetection', () => {
  it('folds each character of every plane by its properties: invisible and marks deleted, spaces, dashes, compatibility forms of one ASCII character', () => {
    const wrong: string[] = [];
    for (let code = 0x80; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCodePoint(code);
      const folded = foldForDetection(`a${c}b`);
      // A digit's value is checked where its compatibility form says it (full-width, mathematical).
      const compat = c.normalize('NFKC');
      const ok = DIGIT.test(c)
        ? /^\d$/.test(compat)
          ? folded === `a${compat}b`
          : /^a\db$/.test(folded)
        : folded === `a${expected(code, c)}b`;
      if (!ok) wrong.push(code.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('reads the decimal digits of every script as their value, astral ones too', () => {
    expect(foldForDetection('\u0665\u0663\u0666 \uff15 \u06f4\u06f1 \u096a\u0967 \u09ea')).toBe(
      '536 5 41 41 4',
    );
    // Mathematical bold, double-struck, sans-serif, sans-serif bold and monospace digits.
    expect(foldForDetection('\u{1d7ce}\u{1d7d9}\u{1d7e4}\u{1d7ef}\u{1d7ff}')).toBe('01239');
    expect(foldForDetection('\u{1d7d2}\u{1d7cf}\u{1d7cf}\u{1d7cf}')).toBe('4111');
    // Adlam, Osmanya, segmented digits.
    expect(foldForDetection('\u{1e954}\u{104a4}\u{1fbf4}')).toBe('444');
  });

  it('reads superscript, subscript and circled digits and mathematical letters as ASCII; forms of several characters stay', () => {
    expect(
      foldForDetection(
        '\u2074\u00b9\u00b9\u00b9 \u2084\u2081 \u2463\u2460\u2460 \u2779\u2780\u278a\u24ea',
      ),
    ).toBe('4111 41 411 4110');
    expect(foldForDetection('\u{1d400}\u{1d40a}\u{1d408}\u{1d400} \u{1d5ba}\u{1d5c4}')).toBe(
      'AKIA ak',
    );
    expect(foldForDetection('\u2469 \u2474 \u2488')).toBe('\u2469 \u2474 \u2488');
  });

  it('reads Unicode white space as a space and dashes as a hyphen, one unit for one', () => {
    expect(foldForDetection('1\u00a02\u202f3\u20094\u30005\u20286\u20297\u00858')).toBe(
      '1 2 3 4 5 6 7 8',
    );
    expect(foldForDetection('1\u20102\u20113\u20134\u20145\u22126\ufe637\uff0d8')).toBe(
      '1-2-3-4-5-6-7-8',
    );
  });

  it('deletes combining marks, variation selectors and tags on digits and letters', () => {
    expect(
      foldForDetection('4\u03011\u03321\u20e31\u{e0100} 4\ufe0f\u20e3 A\u0300K\u034fIA\u{e0041}'),
    ).toBe('4111 4 AKIA');
  });

  it('returns text with nothing to fold as it is', () => {
    for (const text of ['plain ascii 4111', 'José Núñez, 12 €', '', 'Сумма 1200 ₽, 20.11.2026 年'])
      expect(foldForDetection(text)).toBe(text);
    expect(foldForDetection('hi \u{1f469}\u200d\u{1f4bb}')).toBe('hi \u{1f469}\u{1f4bb}');
    // A lone surrogate is kept as it is.
    expect(foldForDetection('a\ud800b\u200b')).toBe('a\ud800b');
    expect(foldForDetection('a\ud800')).toBe('a\ud800');
  });

  it('maps a match back over the invisible characters inside it, not those around it', () => {
    const original = '\u200bx 41\u{e0041}11\u00ad\u200b22 y';
    expect(foldForDetection(original)).toBe('x 411122 y');
    expect(mapBack(original, 2, 8)).toBe('41\u{e0041}11\u00ad\u200b22');
  });

  it('maps a match over astral digits back to whole surrogate pairs', () => {
    const original = 'x \u{1d7d2}\u{1d7cf}1\u0301\u{1d7cf} y';
    expect(foldForDetection(original)).toBe('x 4111 y');
    expect(mapBack(original, 2, 6)).toBe('\u{1d7d2}\u{1d7cf}1\u0301\u{1d7cf}');
    expect(mapBack(original, 3, 5)).toBe('\u{1d7cf}1');
    expect(mapBack(original, 6, 8)).toBe(' y');
  });
});
