import { describe, expect, it } from 'vitest';
import { timeWindow, windowBounds } from './timeWindow';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The first issue's message, or null when the window is accepted. */
function refusal(input: unknown): string | null {
  const r = timeWindow.safeParse(input);
  return r.success ? null : (r.error.issues[0]?.message ?? 'refused');
}

describe('timeWindow', () => {
  const now = Date.now();

  it('takes a preset, a custom window, and a start alone (ending now)', () => {
    expect(refusal({ range: '7d' })).toBeNull();
    expect(refusal({ from: iso(now - 2 * DAY), to: iso(now - DAY) })).toBeNull();
    expect(refusal({ from: iso(now - DAY) })).toBeNull();
    expect(refusal({})).toBeNull();
  });

  it('refuses windows no page could mean, each with its reason', () => {
    expect(refusal({ from: iso(now - DAY), to: iso(now - 2 * DAY) })).toBe(
      '"from" must be before "to"',
    );
    expect(refusal({ to: iso(now) })).toBe('"to" needs "from"');
    expect(refusal({ from: iso(now + 10 * DAY), to: iso(now + 11 * DAY) })).toBe(
      '"from" is in the future',
    );
    expect(refusal({ from: iso(now - 401 * DAY) })).toBe('a window spans at most 400 days');
    expect(refusal({ range: '2h' })).not.toBeNull();
    expect(refusal({ from: 'yesterday' })).not.toBeNull();
  });

  it('names its bounds: a preset ends now, a custom window is what it says', () => {
    expect(windowBounds({ range: '7d' }, now)).toEqual({ from: now - 7 * DAY, to: now });
    expect(windowBounds({}, now)).toEqual({ from: now - DAY, to: now });
    expect(windowBounds({ from: iso(now - 2 * DAY), to: iso(now - DAY) }, now)).toEqual({
      from: now - 2 * DAY,
      to: now - DAY,
    });
  });
});
