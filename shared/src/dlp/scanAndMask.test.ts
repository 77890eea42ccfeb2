import { describe, expect, it } from 'vitest';
import { maskValue, scanValue } from '.';
import { scanAndMask } from './scanAndMask';
import { NOT_SCANNED } from './walk';

describe('scanAndMask (the decision path: findings and preview in one pass)', () => {
  it('finds what scanValue finds and masks what maskValue masks', () => {
    const args = { to: 'ops@example.com', note: 'card 4111 1111 1111 1111', nested: [{ ssn: '536-22-1120' }] };
    const { findings, masked, truncated } = scanAndMask(args);
    expect(findings).toEqual(scanValue(args));
    expect(masked).toEqual(maskValue(args));
    expect(truncated).toBe(false);
  });

  it('stays bounded on hostile input: a huge value is cut at the limit, a deep one at the depth, nothing unseen stays readable', () => {
    const huge = { text: `${'card 4111 1111 1111 1111 '.repeat(200_000)}` };
    const r1 = scanAndMask(huge, { maxChars: 64 * 1024 });
    expect(r1.truncated).toBe(true);
    expect(r1.findings.length).toBeLessThanOrEqual(256);
    expect(JSON.stringify(r1.masked)).not.toContain('4111 1111 1111 1111');

    let deep: unknown = { ssn: '536-22-1120' };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const r2 = scanAndMask(deep);
    expect(r2.truncated).toBe(true);
    expect(JSON.stringify(r2.masked)).toContain(NOT_SCANNED);
    expect(JSON.stringify(r2.masked)).not.toContain('536-22-1120');
  });

  it('a key that holds data is masked in the path and in the copy', () => {
    const { findings, masked } = scanAndMask({ '4111111111111111': 'card holder' });
    expect(findings[0]?.path).toBe('/************1111');
    expect(Object.keys(masked as object)).toEqual(['************1111']);
  });
});
