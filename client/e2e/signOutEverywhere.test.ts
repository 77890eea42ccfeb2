import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchBrowser, screenshotDir, signIn } from './helpers/browser';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';

// "Sign out everywhere" from the signed-in name in the header: every dashboard session of the
// key ends — this browser's and one opened in another browser — while the key keeps working,
// and the audit log says who did it and how many sessions ended.

const dash = useDashboard();

describe('sign out everywhere', () => {
  it('ends this session and the one in another browser; the key keeps working; it is on record', async () => {
    const other = await launchBrowser();
    try {
      await signIn(other.page, dash.srv.url, dash.srv.adminKey);
      const { page } = dash;
      await page.goto(dash.srv.url + '/');
      const dialog = page.getByRole('dialog', { name: 'Signed in as admin (admin)' });
      // Cancel changes nothing.
      await page.getByTestId('whoami').click();
      await dialog.waitFor();
      await expectAccessible(page);
      await mkdir(screenshotDir, { recursive: true });
      await page.screenshot({
        path: path.join(screenshotDir, 'sign-out-everywhere.png'),
        animations: 'disabled',
      });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await other.page.reload();
      await other.page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();

      await page.getByTestId('whoami').click();
      await dialog.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.waitForURL(/\/login\?reason=signedout$/);
      // The other browser's session is over: it is sent to sign in again.
      await other.page.reload();
      await other.page.waitForURL(/\/login/);
      expect(await dash.srv.api().health.whoami.query()).toMatchObject({ role: 'admin' });
      await poll(async () => {
        const { entries } = await dash.srv
          .api()
          .audit.list.query({ status: ['ACCESS'], limit: 50 });
        return entries.map((e) => e.details).find((d) => d.includes('signed out everywhere'));
      }).toMatch(/admin signed out everywhere \(\d+ dashboard sessions? ended\)/);
    } finally {
      await other.close();
    }
  });
});
