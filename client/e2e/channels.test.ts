import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { startReceiver } from '../../server/test/notify/receiver';
import { useFixture } from '../../server/test/helpers/useTestServer';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { unlabelledFields } from './helpers/a11y';

// Issue 20's channels, as an admin manages them on the Approvals page: add a webhook (its secret
// shown once), send a test message that really arrives, see the delivery, and remove the channel
// only after confirming — each change in the audit trail.

const dash = useDashboard();

/** The help text a field is described by. */
function describedBy(field: Locator): Promise<string> {
  return field.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.innerText ?? '')
      .join(' '),
  );
}
const receiver = useFixture(
  () => startReceiver(),
  (r) => r.close(),
);

describe('notification channels on the Approvals page', () => {
  it('adds a webhook, delivers a test message, and removes it after a second click', async () => {
    const { page } = dash;
    const hook = receiver();
    await page.goto(dash.srv.url + '/approvals');
    const panel = page.getByRole('region', { name: 'Notification channels' });
    const form = panel.getByRole('form', { name: 'Add a channel' });
    // Every field has a visible <label> of its own, not a placeholder or an aria-label only.
    expect(await unlabelledFields(form)).toEqual([]);
    await form.getByLabel('Kind').selectOption('slack');
    expect(await unlabelledFields(form)).toEqual([]);
    await form.getByLabel('Kind').selectOption('webhook');
    // The formats that need saying are said, tied to their field.
    expect(await describedBy(form.getByLabel('Agents to follow'))).toMatch(/separated by commas/);
    await form.getByLabel('Channel name').fill('ops-e2e');
    await form.getByLabel('URL').fill(hook.url);
    await form.getByRole('button', { name: 'Add' }).click();
    const channel = panel.getByTestId('channel').filter({ hasText: 'ops-e2e' });
    await channel.waitFor();
    expect(await channel.innerText()).toContain(`webhook → ${new URL(hook.url).origin}`);
    // Emptied once added: a second click must not try the same channel again.
    await poll(() => form.getByLabel('Channel name').inputValue()).toBe('');
    // The signing secret, once; the list never shows it again.
    const secret = await panel.getByTestId('channel-secret').innerText();
    expect(secret).toMatch(/[A-Za-z0-9_-]{20,}/);

    // A bad URL is refused with the server's reason, nothing added.
    await form.getByLabel('Channel name').fill('broken');
    await form.getByLabel('URL').fill('ftp://example.com/x');
    await form.getByRole('button', { name: 'Add' }).click();
    await page.getByText('Channel not added').waitFor();
    expect(await panel.getByTestId('channel').count()).toBe(1);
    // Refused: what was typed stays, to be corrected.
    expect(await form.getByLabel('Channel name').inputValue()).toBe('broken');

    await channel.getByRole('button', { name: 'Send a test message to ops-e2e' }).click();
    await poll(() => hook.received.length).toBeGreaterThan(0);
    const deliveries = panel.getByRole('table', { name: 'Recent deliveries' });
    await poll(() => deliveries.innerText()).toMatch(/ops-e2e[\s\S]*delivered/);
    await expectAccessible(page);

    // One click only asks; "Keep" leaves it; the confirmation removes it.
    await channel.getByRole('button', { name: 'Remove ops-e2e' }).click();
    await channel.getByRole('button', { name: 'Keep' }).click();
    expect(await panel.getByTestId('channel').count()).toBe(1);
    await channel.getByRole('button', { name: 'Remove ops-e2e' }).click();
    await channel.getByRole('button', { name: 'Confirm removing ops-e2e' }).click();
    await poll(() => panel.getByTestId('channel').count()).toBe(0);

    const { entries } = await dash.srv.api().audit.list.query({ limit: 50 });
    expect(
      entries.filter((e) => e.action.startsWith('aegis:channel-')).map((e) => e.action),
    ).toEqual(['aegis:channel-remove', 'aegis:channel-add']);
    // The one console error is the refused ftp:// channel's 400.
    expect(dash.browser.errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });
});
