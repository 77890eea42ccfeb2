import { describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { screenshotDir } from './helpers/browser';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';

// The server stops while the dashboard is open, and the analyst moves to a page not loaded yet.
// Its query failed for good after its retries, and the page drew its empty state: "The audit log
// is empty", read as a wiped log. It says it couldn't load instead, with a way to try again. And
// a page whose code is fetched on first use (the Graph) keeps the dashboard's frame.

const dash = useDashboard();

describe('a page opened while the server is down', () => {
  it('says it could not load, not that there is nothing', async () => {
    const { page, srv } = dash;
    await page.goto(srv.url + '/');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await srv.server.stop();
    await page.getByRole('alert').filter({ hasText: 'reach the Aegis server' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Activity' }).click();
    const failed = page.getByTestId('query-error');
    await poll(() => failed.innerText()).toContain('Couldn’t load this');
    expect(await page.getByText('The audit log is empty').count()).toBe(0);
    expect(await failed.getByRole('button', { name: 'Try again' }).count()).toBe(1);
    await expectAccessible(page);

    // The Graph's code is fetched when first opened: it can't be now. React Router's developer
    // screen ("Unexpected Application Error!") took the whole window; the frame stays instead.
    await nav.getByRole('link', { name: 'Graph' }).click();
    await poll(() => page.getByRole('alert').allInnerTexts()).toContainEqual(
      expect.stringContaining('This page couldn’t be loaded'),
    );
    expect(await page.getByText('Unexpected Application Error').count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Overview' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Reload the page' }).count()).toBe(1);
    await expectAccessible(page);
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, 'server-down-graph.png') });
  });
});
