import { describe, expect, it } from 'vitest';
import { poll, useDashboard } from './helpers/fixture';
import { FRAUD } from './helpers/seed';

// Attack review 7 (reviewer-bidi): shown raw, U+202E makes "9000" read "0009" and "acct-1234" read
// "acct-4321" while the tool gets the real values. The card shows the controls as escapes, and
// says so.

const dash = useDashboard();
const ARGS = { amount: '\u202E9000\u202C', to: 'acct-\u202E1234\u202C' };
const RAW = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\uFEFF]/;

describe('arguments with hidden characters', () => {
  it('the approval card shows bidi controls as escapes, with a warning', async () => {
    const { page, srv, seeded } = dash;
    await page.goto(srv.url + '/approvals');
    // Waits for a reviewer; the fixture's close ends it.
    void seeded.aegis
      .call(FRAUD, 'wire_money', ARGS, () => 'sent', { timeoutMs: 90_000 })
      .catch(() => undefined);
    const card = page.getByTestId('approval-card').filter({ hasText: 'wire_money' });
    await card.waitFor();
    await poll(() => card.locator('pre').first().innerText()).toContain('\\u202e9000\\u202c');
    const text = await card.locator('pre').first().innerText();
    expect(text).not.toMatch(RAW);
    expect(text).toContain('acct-\\u202e1234\\u202c');
    expect(await card.getByTestId('hidden-chars-warning').innerText()).toContain(
      'contains hidden/direction-changing characters',
    );
  });
});
