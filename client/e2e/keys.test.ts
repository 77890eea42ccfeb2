import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, launchBrowser, screenshotDir, signIn, type Browser } from './helpers/browser';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { FRAUD, SUPPORT } from './helpers/seed';

// The API keys page: an admin creates a key (its secret shown once, and it works), revokes it
// (and it stops working), can't revoke the last admin key, and is told loudly — then signed out —
// when revoking the key of their own session. Viewers and reviewers don't see the page.

const dash = useDashboard();
/** The width of a small phone (an iPhone 12–15): the page must not scroll sideways there. */
const PHONE_390 = { width: 390, height: 844 };

const keysLink = (page: Page) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' });
const row = (page: Page, name: string) =>
  page.getByRole('list', { name: 'API keys' }).getByRole('listitem', { name, exact: true });

/** Secrets must not outlive the dialog: not in the page, not in any storage. */
async function traces(page: Page, secret: string): Promise<string[]> {
  const where: string[] = [];
  if ((await page.content()).includes(secret)) where.push('page');
  const storage = await page.evaluate(() =>
    JSON.stringify({ ...window.localStorage, ...window.sessionStorage }),
  );
  if (storage.includes(secret)) where.push('storage');
  return where;
}

async function shoot(page: Page, name: string) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({
    path: path.join(screenshotDir, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });
}

describe('the API keys page (admin)', () => {
  it('is in the navigation and lists every key, marking the one this session uses', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + '/');
    await keysLink(page).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await poll(() => page.title()).toBe('API keys · Aegis');
    for (const name of ['admin', 'vera-viewer', 'rex-reviewer', 'bank-agents'])
      await row(page, name).waitFor();
    expect(await row(page, 'admin').innerText()).toContain('you are signed in with this key');
    const agents = await row(page, 'bank-agents').innerText();
    expect(agents).toMatch(/agent/);
    expect(agents).toContain(`${SUPPORT}, ${FRAUD}`);
    expect(await row(page, 'vera-viewer').innerText()).toContain('All agents');
    // Created and last used: relative, with the exact time on hover.
    const created = row(page, 'vera-viewer').locator('time').first();
    expect(await created.getAttribute('title')).toMatch(/\d{2}:\d{2}:\d{2}/);
    await expectAccessible(page);
    // A key made elsewhere (the CLI, another admin) appears without a reload.
    const cli = await dash.srv.api().keys.create.mutate({ name: 'made-by-cli', role: 'viewer' });
    await row(page, 'made-by-cli').waitFor();
    await dash.srv.api().keys.revoke.mutate({ id: cli.info.id });
    await row(page, 'made-by-cli (revoked)').waitFor();
  });

  it('creates an agent key, shows its secret once, and revoking it stops it working', async () => {
    const { page } = dash;
    await dash.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: dash.srv.url,
    });
    await page.goto(dash.srv.url + '/keys');
    await page.getByRole('button', { name: 'New key' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API key' });
    await dialog.waitFor();
    // Focus starts in the dialog, on the name.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('key-name');
    await dialog.getByLabel('Name', { exact: true }).fill('payments-e2e');
    expect(await dialog.getByRole('radio', { name: /Agent/ }).isChecked()).toBe(true);

    // The server's refusals, in words, beside the field they are about.
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await poll(() => dialog.getByRole('alert').innerText()).toContain(
      'An agent key must name the agents it may act for',
    );
    // Focus goes to the field at fault, which names the reason to a screen reader.
    await poll(() => page.evaluate(() => document.activeElement?.id)).toBe('key-other-agents');
    const other = dialog.getByLabel(/Other agents/);
    await other.fill('payments/bot');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await poll(() => dialog.getByRole('alert').innerText()).toContain(
      '“payments/bot”: letters, digits',
    );
    expect(await other.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page);

    await other.fill('');
    await dialog.getByRole('group', { name: 'Registered agents' }).getByLabel(SUPPORT).check();
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByRole('dialog', { name: 'Key “payments-e2e” created' });
    await shown.waitFor();
    await shown.getByText('you won’t see it again').waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Copy');
    const secret = await shown.getByLabel('API key').inputValue();
    expect(secret).toMatch(/^aegis_[A-Za-z0-9_-]{20,}$/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await expectAccessible(page);

    // The secret works, as exactly what was asked for.
    expect(await dash.srv.api(secret).health.whoami.query()).toMatchObject({
      name: 'payments-e2e',
      role: 'agent',
      agents: [SUPPORT],
    });

    // Closed, it is gone: not in the page, not in storage; a new dialog starts empty.
    await shown.getByRole('button', { name: /Done/ }).click();
    await poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await traces(page, secret)).toEqual([]);
    await page.getByRole('button', { name: 'New key' }).click();
    expect(
      await page
        .getByRole('dialog', { name: 'New API key' })
        .getByLabel('Name', { exact: true })
        .inputValue(),
    ).toBe('');
    await page.keyboard.press('Escape');
    await poll(() => page.getByRole('dialog').count()).toBe(0);

    // Listed with its scope; used once, so "last used" is set (a reload reads it).
    const created = row(page, 'payments-e2e');
    await created.waitFor();
    expect(await created.innerText()).toContain(SUPPORT);
    await poll(async () => {
      await page.reload();
      await created.waitFor();
      return created.innerText();
    }).not.toContain('never');

    // Revoking asks first, naming the key; "Keep it" keeps it.
    await created.getByRole('button', { name: 'Revoke payments-e2e' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke “payments-e2e”?' });
    await confirm.waitFor();
    expect(await page.getByTestId('revoke-own-key').count()).toBe(0);
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await created.getAttribute('data-revoked')).toBe('false');
    await dash.srv.api(secret).health.whoami.query();

    await created.getByRole('button', { name: 'Revoke payments-e2e' }).click();
    await confirm.getByRole('button', { name: 'Revoke “payments-e2e”' }).click();
    const revoked = row(page, 'payments-e2e (revoked)');
    await revoked.waitFor();
    expect(await revoked.innerText()).toMatch(/Revoked/);
    // Shown after every active key.
    const order = await page
      .getByTestId('api-key')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-revoked')));
    expect(order.indexOf('true')).toBe(order.lastIndexOf('false') + 1);
    // …and can be hidden.
    await page.getByLabel('Show revoked keys').uncheck();
    expect(await revoked.count()).toBe(0);
    await page.getByLabel('Show revoked keys').check();

    await expect(dash.srv.api(secret).health.whoami.query()).rejects.toThrow(
      'The API key was not accepted: it is unknown, revoked or expired',
    );
    const { entries } = await dash.srv.api().audit.list.query({ limit: 50 });
    expect(
      entries
        .filter((e) => e.action.startsWith('aegis:key-') && e.details?.includes('payments-e2e'))
        .map((e) => e.action),
    ).toEqual(['aegis:key-revoke', 'aegis:key-create']);
  });

  it('won’t offer to revoke the last admin key (and works from the keyboard)', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + '/keys');
    const revoke = row(page, 'admin').getByRole('button', { name: 'Revoke admin' });
    await revoke.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Revoke “admin”?' });
    await dialog.getByTestId('revoke-last-admin').waitFor();
    expect(await dialog.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    // Focus is in the dialog; Escape closes it and gives focus back to the row's button.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Close');
    await page.keyboard.press('Escape');
    await poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Revoke admin',
    );
  });

  it('warns loudly before an admin revokes the key they are signed in with, then signs them out', async () => {
    // A second admin key, made on the page; a person signs in with it in their own browser.
    const { page } = dash;
    await page.goto(dash.srv.url + '/keys');
    await page.getByRole('button', { name: 'New key' }).click();
    const form = page.getByRole('dialog', { name: 'New API key' });
    await form.getByLabel('Name', { exact: true }).fill('second-admin');
    await form.getByRole('radio', { name: /Admin/ }).check();
    await form.getByText('Admin keys see every agent').waitFor();
    await form.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByRole('dialog', { name: 'Key “second-admin” created' });
    const secret = await shown.getByLabel('API key').inputValue();
    await shown.getByRole('button', { name: /Done/ }).click();

    const other = await launchBrowser();
    try {
      await signIn(other.page, dash.srv.url, secret);
      const p = other.page;
      await p.goto(dash.srv.url + '/keys');
      const mine = row(p, 'second-admin');
      expect(await mine.innerText()).toContain('you are signed in with this key');
      await mine.getByRole('button', { name: 'Revoke second-admin' }).click();
      const dialog = p.getByRole('dialog', { name: 'Revoke “second-admin”?' });
      await dialog.getByTestId('revoke-own-key').waitFor();
      expect(await dialog.getByTestId('revoke-own-key').innerText()).toContain(
        'This is the key you are signed in with',
      );
      await expectAccessible(p);
      await p.setViewportSize(PHONE_390);
      await shoot(p, 'keys-revoke-own-390');
      await p.setViewportSize(DESKTOP);
      await shoot(p, 'keys-revoke-own-desktop');
      await dialog.getByRole('button', { name: 'Revoke my key and sign out' }).click();
      await p.waitForURL(/\/login\?reason=revoked/);
      await p.getByText('You revoked the key you were signed in with').waitFor();
      await expect(dash.srv.api(secret).health.whoami.query()).rejects.toThrow();
      // Its session is refused from now on, too.
      await p.goto(dash.srv.url + '/keys');
      await p.waitForURL(/\/login\?reason=/);
      expect(other.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    } finally {
      await other.close();
    }
    // The first admin's session is untouched.
    await page.reload();
    await row(page, 'second-admin (revoked)').waitFor();
  });

  it('looks right at desktop width in light and dark, and at 390 px', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + '/keys');
    await row(page, 'admin').waitFor();
    await shoot(page, 'keys-desktop-light');
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    await expectAccessible(page);
    await shoot(page, 'keys-desktop-dark');
    await page.getByRole('button', { name: 'New key' }).click();
    await page.getByRole('dialog', { name: 'New API key' }).waitFor();
    await shoot(page, 'keys-create-desktop-dark');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Switch to light mode' }).click();

    await page.setViewportSize(PHONE_390);
    try {
      await page.reload();
      await row(page, 'admin').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        PHONE_390.width,
      );
      await expectAccessible(page);
      await shoot(page, 'keys-390-light');
      await page.getByRole('button', { name: 'New key' }).click();
      const dialog = page.getByRole('dialog', { name: 'New API key' });
      await dialog.getByLabel('Name', { exact: true }).fill('phone-e2e');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.getByRole('alert').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        PHONE_390.width,
      );
      await shoot(page, 'keys-create-390');
      await dialog.getByRole('group', { name: 'Registered agents' }).getByLabel(SUPPORT).check();
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('dialog', { name: 'Key “phone-e2e” created' }).waitFor();
      await shoot(page, 'keys-secret-390');
      await page.keyboard.press('Escape');
    } finally {
      await page.setViewportSize(DESKTOP);
    }
  });

  it('logged no console errors but the refused creations', () => {
    expect(dash.browser.errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });
});

describe('the API keys page (viewer and reviewer)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const [role, key] of [
    ['viewer', () => dash.seeded.viewerKey],
    ['reviewer', () => dash.seeded.reviewerKey],
  ] as const) {
    it(`a ${role} doesn’t see it in the navigation, and its address says admins only`, async () => {
      const p = browser.page;
      await signIn(p, dash.srv.url, key());
      await p
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Activity' })
        .waitFor();
      expect(await keysLink(p).count()).toBe(0);
      await p.goto(dash.srv.url + '/keys');
      await p.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
      await p.getByText('Admins only').waitFor();
      expect(await p.getByText(`(${role})`).count()).toBe(1);
      expect(await p.getByRole('button', { name: 'New key' }).count()).toBe(0);
      await expectAccessible(p);
      if (role === 'viewer') await shoot(p, 'keys-viewer-desktop');
      // The server refuses the same person, whatever the page shows.
      await expect(dash.srv.api(key()).keys.list.query()).rejects.toThrow(
        `This needs the admin role; you are ${role}`,
      );
      expect(browser.errors).toEqual([]);
    });
  }
});
