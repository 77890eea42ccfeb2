import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { poll, useDashboard } from './helpers/fixture';

// One approval with the keyboard alone (Tab and Enter): the focus stays where the person is as
// the card swaps its buttons for an undo bar and back, and when the decided card goes.

const dash = useDashboard();

/** The focused element, as a person would name it: its tag and accessible text. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()} ${(el.textContent ?? '').trim()}` : 'none';
  });

describe('an approval by keyboard only', () => {
  it('keeps the focus on Undo, back on Approve, then on the page once the card is decided', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + '/approvals');
    const card = page.getByTestId('approval-card');
    await card.waitFor();
    // Tab to the card's Approve button, as a keyboard user would.
    for (let i = 0; i < 40 && (await focused(page)) !== 'button Approve'; i++) {
      await page.keyboard.press('Tab');
    }
    expect(await focused(page)).toBe('button Approve');

    // Before: Enter left the focus on the body (the button it was on went away with the undo bar).
    await page.keyboard.press('Enter');
    await card.getByTestId('undo-bar').waitFor();
    await poll(() => focused(page)).toBe('button Undo');
    await page.keyboard.press('Enter');
    await card.getByTestId('undo-bar').waitFor({ state: 'detached' });
    await poll(() => focused(page)).toBe('button Approve');

    await page.keyboard.press('Enter');
    await poll(() => focused(page)).toBe('button Undo');
    await card.waitFor({ state: 'detached' });
    await poll(async () => (await dash.srv.api().approvals.pending.query()).length).toBe(0);
    // The queue is empty: the focus goes to the page's heading, not back to the body.
    await poll(() => focused(page)).toBe('h1 Approvals');
    expect(dash.browser.errors).toEqual([]);
  });
});
