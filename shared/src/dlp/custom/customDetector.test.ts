import { describe, expect, it } from 'vitest';
import { REPEAT_CAP } from './regexShape';
import { compileCustomDetectors, validateCustomDetector } from './customDetector';

const refusal = (pattern: string, flags?: string) => {
  const result = validateCustomDetector({ name: 'probe', pattern, flags });
  return result.ok ? null : result.error;
};

describe('validateCustomDetector', () => {
  it.each([
    ['(a+)+$', /a\+ and a\+ can match the same characters.*catastrophic backtracking/],
    ['(a|a)*$', /alternatives inside a repeat must start with different characters/],
    ['(a|ab)*c', /alternatives inside a repeat/],
    ['\\d+\\d+$', /\\d\+ and \\d\+ can match the same characters/],
    ['^(\\w+\\s?)*$', /can match the same characters/],
    ['.*.*=.*', /can match the same characters/],
    ['a?a?a?a?a?aaaaa', /can match the same characters/],
    ['(?:x+x+)+y', /can match the same characters/],
    ['(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)', /too many overlapping alternatives/],
    ['(\\d{3})-\\1', /backreferences \(\\1\) are not allowed/],
    ['secret(?=!)', /lookaround .* is not allowed/],
    ['(?<=x)y', /lookaround .* is not allowed/],
    ['(?:a?)+', /must not match the empty string/],
    ['a*', /matches the empty string/],
    ['[unclosed', /not a valid regular expression: Invalid regular expression/],
    ['x{2000}', /repeat counts above 1000/],
  ])('refuses %s with a message that says why', (pattern, message) => {
    expect(refusal(pattern)).toMatch(message);
  });

  it.each(['EMP-\\d{6}', '[A-Z]{2}\\d{6}', '\\b(?:alpha|beta)-\\d{3,8}\\b', '(?:\\d{3}[- ]?){3}', '(?:\\.[a-z]+)+', 'sk_live_[A-Za-z0-9]{24,}', '(?:cat|car)s?', 'project codename \\w+'])(
    'accepts %s',
    (pattern) => {
      expect(refusal(pattern)).toBeNull();
    },
  );

  it('checks the name and flags, and keeps names clear of built-ins and object members', () => {
    expect(refusal('x', 'g')).toMatch(/flags: only the flags i, m and s/);
    expect(validateCustomDetector({ name: 'card', pattern: 'x' })).toEqual({
      ok: false,
      error: 'custom detector "card": name: that name belongs to a built-in detector or category',
    });
    expect(validateCustomDetector({ name: 'constructor', pattern: 'x' }).ok).toBe(false);
    expect(validateCustomDetector({ name: 'Bad Name', pattern: 'x' }).ok).toBe(false);
    expect(validateCustomDetector({ pattern: 'x' }).ok).toBe(false);
  });

  it(`caps unbounded repeats at ${REPEAT_CAP} so each start position costs a bounded amount`, () => {
    const result = validateCustomDetector({ name: 'tag', pattern: 'tag-[a-z]+?-\\d*', flags: 'i' });
    if (!result.ok) throw new Error(result.error);
    expect(result.detector.regex.source).toBe(`tag-[a-z]{1,${REPEAT_CAP}}?-\\d{0,${REPEAT_CAP}}`);
    expect(result.detector.regex.flags).toBe('giu');
    expect(() => compileCustomDetectors([{ name: 'bad', pattern: '(a+)+' }])).toThrow(/custom detector "bad"/);
  });

  it('scans hostile input for an accepted pattern without blowing up', () => {
    const [detector] = compileCustomDetectors([{ name: 'words', pattern: '[a-z]+-\\d+x' }]);
    // Classic ReDoS fodder: long runs that almost match. Completes (no timing assertion here).
    const input = `${'a'.repeat(20_000)}-${'1'.repeat(20_000)}`;
    detector!.regex.lastIndex = 0;
    expect(detector!.regex.test(input)).toBe(false);
  });
});
