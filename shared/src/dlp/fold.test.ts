import { describe, expect, it } from 'vitest';
import { foldForDetection, keptUnits, toOriginalSpan } from './fold';

const INVISIBLE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;

describe('foldForDetection', () => {
  it('deletes exactly the format and default-ignorable characters, in every plane', () => {
    const wrong: string[] = [];
    for (let code = 0x80; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const c = String.fromCodePoint(code);
      if ((foldForDetection(`a${c}b`) === 'ab') !== INVISIBLE.test(c))
        wrong.push(code.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('reads Unicode spaces as a space and dashes as a hyphen, one unit for one', () => {
    expect(foldForDetection('1\u00a02\u202f3\u20094\u30005')).toBe('1 2 3 4 5');
    expect(foldForDetection('1\u20102\u20113\u20134\u20145\u22126\ufe637\uff0d8')).toBe(
      '1-2-3-4-5-6-7-8',
    );
    expect(foldForDetection('\u0665\u0663\u0666 \uff15')).toBe('536 5');
  });

  it('returns text with nothing to fold as it is', () => {
    for (const text of ['plain ascii 4111', 'José Núñez, 12 €', ''])
      expect(foldForDetection(text)).toBe(text);
    expect(foldForDetection('hi \u{1f469}\u200d\u{1f4bb}')).toBe('hi \u{1f469}\u{1f4bb}');
    // A lone surrogate is kept as it is.
    expect(foldForDetection('a\ud800b\u200b')).toBe('a\ud800b');
  });

  it('maps a match back over the invisible characters inside it, not those around it', () => {
    const original = '\u200bx 41\u{e0041}11\u00ad\u200b22 y';
    const folded = foldForDetection(original);
    expect(folded).toBe('x 411122 y');
    const span = { start: 2, end: 8 };
    toOriginalSpan(span, keptUnits(original, folded.length), original.length);
    expect(original.slice(span.start, span.end)).toBe('41\u{e0041}11\u00ad\u200b22');
  });
});
