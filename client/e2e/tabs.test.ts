import { describe, expect, it } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { poll, useDashboard } from './helpers/fixture';
import { FRAUD, LOANS, SUPPORT, attempt } from './helpers/seed';
import { markPage } from './helpers/markPage';

// Browsers give a server six HTTP/1.1 connections, shared by all tabs. When every tab held its
// own SSE streams, the fourth tab opened stayed blank and the first froze (issue 13).

const dash = useDashboard();
const PAGES = ['/activity', '/', '/agents', '/approvals', '/activity', '/activity'];

/** SSE requests that are still open, and the tab holding each. */
function watchStreams(pages: () => Page[]) {
  const open = new Set<Request>();
  dash.browser.context.on('request', (r) => {
    if (r.resourceType() === 'eventsource') open.add(r);
  });
  const done = (r: Request) => open.delete(r);
  dash.browser.context.on('requestfinished', done);
  dash.browser.context.on('requestfailed', done);
  return {
    // A closed tab's streams end without a finished/failed event.
    count: () => [...open].filter((r) => !r.frame().page().isClosed()).length,
    holders: () => pages().filter((p) => [...open].some((r) => r.frame().page() === p)),
  };
}

describe('six dashboard tabs at once', () => {
  it('all stay live, with one set of streams for the whole browser', async () => {
    const tabs: Page[] = [dash.page];
    const streams = watchStreams(() => tabs);
    await dash.page.goto(dash.srv.url + PAGES[0]);
    for (const path of PAGES.slice(1)) {
      const tab = await dash.browser.context.newPage();
      await tab.goto(dash.srv.url + path);
      tabs.push(tab);
    }
    // every tab loads its page and shows live updates flowing
    for (const tab of tabs) {
      await tab.getByRole('heading', { level: 1 }).waitFor();
      await tab.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    }
    expect(streams.count()).toBeLessThanOrEqual(2);
    expect(streams.holders()).toHaveLength(1);

    // a new decision reaches every tab without a reload (the Activity tabs show it at the top)
    const activityTabs = tabs.filter((t) => t.url().endsWith('/activity'));
    const same = await Promise.all(activityTabs.map((t) => markPage(t)));
    expect(
      await attempt(dash.seeded.aegis, SUPPORT, 'send_notification', { customer_id: 61 }),
    ).toBe('RAN');
    for (const tab of activityTabs)
      await poll(() => tab.getByTestId('audit-row').first().innerText()).toContain(
        '"customer_id":61',
      );
    for (const unchanged of same) expect(await unchanged()).toBe(true);
    // and the pending-approvals badge (a change event) moves in every tab, whatever its page
    expect(
      await attempt(dash.seeded.aegis, LOANS, 'open_credit_line', { limit: 900 }, { wait: false }),
    ).toBe('APPROVAL_PENDING');
    const pending = (await dash.srv.api().approvals.pending.query()).length;
    for (const tab of tabs) {
      await poll(() =>
        tab.getByRole('navigation', { name: 'Main' }).getByLabel(`${pending} pending`).count(),
      ).toBe(1);
    }

    // queries still get connections: every tab can navigate and load
    for (const tab of tabs) {
      await tab
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Agents' })
        .click();
      await tab.getByTestId('agent-card').first().waitFor();
    }

    // the tab holding the streams closes: another takes over and every remaining tab stays live
    const [leader] = streams.holders();
    if (!leader) throw new Error('no tab holds the live streams');
    await leader.close();
    tabs.splice(tabs.indexOf(leader), 1);
    await poll(() => streams.holders().length).toBe(1);
    for (const tab of tabs) {
      await tab
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Activity' })
        .click();
      await tab.getByTestId('audit-row').first().waitFor();
    }
    const stillSame = await Promise.all(tabs.map((t) => markPage(t)));
    expect(
      await attempt(dash.seeded.aegis, FRAUD, 'flag_transaction', { transaction_id: 'TX-6006' }),
    ).toBe('RAN');
    for (const tab of tabs)
      await poll(() => tab.getByTestId('audit-row').first().innerText()).toContain('TX-6006');
    for (const same of stillSame) expect(await same()).toBe(true);
    expect(streams.count()).toBeLessThanOrEqual(2);
    expect(dash.browser.errors).toEqual([]);
  });
});
