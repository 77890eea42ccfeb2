import { describe, expect, it } from 'vitest';
import { hasHiddenChars, previewHasHidden, revealHidden, terminalSafe } from './visibleText';

describe('revealHidden', () => {
  it('shows bidi and zero-width characters as escapes, and JSON stays the same value', () => {
    const args = { amount: '\u202E9000\u202C', to: 'acct-\u2066x\u2069\u200B\uFEFF\u{E0041}' };
    const shown = revealHidden(JSON.stringify(args));
    expect(shown).toBe(
      '{"amount":"\\u202e9000\\u202c","to":"acct-\\u2066x\\u2069\\u200b\\ufeff\\udb40\\udc41"}',
    );
    expect(JSON.parse(shown)).toEqual(args);
    expect(hasHiddenChars(JSON.stringify(args))).toBe(true);
    expect(hasHiddenChars(shown)).toBe(false);
  });

  it('leaves ordinary text alone', () => {
    expect(revealHidden('Zürich → 東京 "ok"')).toBe('Zürich → 東京 "ok"');
    expect(hasHiddenChars('plain\ttext\n')).toBe(false);
  });
});

describe('terminalSafe', () => {
  it('escapes ESC, BEL, CR, DEL, C1 and bidi controls; keeps only what it is told to', () => {
    const evil = 'ok \u001b[1A\u001b]8;;https://evil/\u0007x\r\u007f\u009b2J\u202E\n';
    expect(terminalSafe(evil)).toBe(
      'ok \\u001b[1A\\u001b]8;;https://evil/\\u0007x\\u000d\\u007f\\u009b2J\\u202e\\u000a',
    );
    expect(terminalSafe('a\nb\tc', ['\n'])).toBe('a\nb\\u0009c');
  });
});

describe('previewHasHidden', () => {
  it('finds hidden characters behind the escapes of a preview, whole or cut short', () => {
    const preview = revealHidden(JSON.stringify({ amount: '\u202E9000\u202C' }));
    expect(previewHasHidden(preview)).toBe(true);
    expect(previewHasHidden(`${preview.slice(0, 20)}…`)).toBe(true);
    expect(previewHasHidden('{"amount":"9000","note":"a \\\\u202e b"}')).toBe(false);
    expect(previewHasHidden(null)).toBe(false);
  });
});
