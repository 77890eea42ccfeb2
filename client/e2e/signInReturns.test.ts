import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useFixture } from '../../server/test/helpers/useTestServer';
import { buildDashboard } from './helpers/buildDashboard';
import { startE2eServer } from './helpers/server';
import { launchBrowser, signInWithLink } from './helpers/browser';

// A colleague's copied Activity link opened before signing in, or a session that ends while a
// filtered page is open: signing in (again) returns to that page, filters and all, not the Overview.

const server = useFixture(
  async () => startE2eServer(await buildDashboard()),
  (s) => s.close(),
);

async function pasteKey(page: Page, key: string) {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('signing in returns to the page', () => {
  it('opens a link shared before signing in once signed in', async () => {
    const srv = server();
    const browser = await launchBrowser();
    try {
      const { page } = browser;
      const shared = '/activity?status=BLOCKED&agent=loan_processor';
      await page.goto(srv.url + shared);
      await page.waitForURL(/\/login\?reason=signin&next=/);
      await pasteKey(page, srv.adminKey);
      await page.waitForURL(srv.url + shared);
      await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
      expect(new URL(page.url()).searchParams.get('status')).toBe('BLOCKED');
    } finally {
      await browser.close();
    }
  });

  it('after the session ends on an open page, and never to another site', async () => {
    const srv = server();
    const browser = await launchBrowser();
    try {
      const { page, context } = browser;
      await signInWithLink(page, srv.url, srv.loginToken);
      await page.goto(srv.url + '/activity?status=BLOCKED');
      await page.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
      await context.clearCookies(); // the session is gone: the server answers 401 from now on
      // The page may notice on its own first (a live query answered 401) and go to sign-in from
      // Activity before the click lands; either way sign-in must return to the page it was on.
      await page
        .getByRole('navigation')
        .getByRole('link', { name: 'Approvals' })
        .click({ timeout: 5_000 })
        .catch(() => undefined);
      await page.waitForURL(
        /\/login\?reason=expired&next=%2F(approvals|activity%3Fstatus%3DBLOCKED)$/,
      );
      const next = new URL(page.url()).searchParams.get('next');
      await page.getByText('Your session has ended').waitFor();
      await pasteKey(page, srv.adminKey);
      await page.waitForURL(srv.url + next);

      // Crafted links that look like paths but leave the origin once the browser parses them
      // (it drops tabs and newlines and reads `\` as `/`): the Overview instead.
      for (const next of [
        '//example.com/x',
        '/\t/example.com/x',
        '/\\example.com/x',
        '/\n/example.com/x',
      ]) {
        await context.clearCookies();
        await page.goto(srv.url + '/login?next=' + encodeURIComponent(next));
        await pasteKey(page, srv.adminKey);
        await page.waitForURL(srv.url + '/');
        await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      }
    } finally {
      await browser.close();
    }
  });
});
