import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonicalJson';
import { redactSensitive } from './redact';
import { toolArgs } from './schemas/common';

// JSON.parse, like every body parser, makes "__proto__" an own key; an object literal would not.
const parse = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe('every own key counts', () => {
  it('canonical JSON keeps "__proto__", "constructor" and "prototype" keys', () => {
    const sneaky = parse('{"payment":{"to":"alice","__proto__":{"to":"mallory"}}}');
    expect(canonicalJson(sneaky)).toBe('{"payment":{"__proto__":{"to":"mallory"},"to":"alice"}}');
    expect(canonicalJson(sneaky)).not.toBe(canonicalJson({ payment: { to: 'alice' } }));
    expect(canonicalJson(parse('{"prototype":1,"constructor":{"a":2},"__proto__":null}'))).toBe(
      '{"__proto__":null,"constructor":{"a":2},"prototype":1}',
    );
  });

  it('masking keeps them too, and sets no prototype', () => {
    const masked = redactSensitive(parse('{"__proto__":{"ssn":"123-45-6789"}}')) as object;
    expect(Object.keys(masked)).toEqual(['__proto__']);
    expect(JSON.stringify(masked)).toBe('{"__proto__":{"ssn":"***-**-6789"}}');
    expect(({} as Record<string, unknown>).ssn).toBeUndefined();
  });

  it('tool arguments keep them through validation', () => {
    const args = toolArgs.parse(parse('{"__proto__":{"to":"mallory"},"a":1}'));
    expect(Object.keys(args)).toEqual(['__proto__', 'a']);
  });

  it('tool arguments refuse keys a document cannot hold, naming them', () => {
    const nul = toolArgs.safeParse(parse('{"ok":{"a\\u0000b":1}}'));
    expect(nul.success).toBe(false);
    expect(nul.error?.issues[0]).toMatchObject({
      path: ['ok', 'a\u0000b'],
      message: 'key "a\\u0000b" contains a control character (U+0000)',
    });
    expect(toolArgs.safeParse(parse('{"\\u001f":1}')).success).toBe(false);
    expect(toolArgs.safeParse(parse('{"\\ud800x":1}')).success).toBe(false);
    expect(
      toolArgs.safeParse(parse('{"list":[{"fine key \\u00e9":"\\u0000 in a value is fine"}]}'))
        .success,
    ).toBe(true);
  });
});
