import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, PHONE, DESKTOP, screenshotBoth, signIn, type Browser } from './helpers/browser';
import { agentPath, expectAccessible, openDashboard, poll, type Dashboard } from './helpers/fixture';
import { LOANS, SUPPORT } from './helpers/seed';

// Every page renders its data, at desktop and phone widths, in light and dark, accessibly;
// screenshots land in screenshots/ (git-ignored) for a person to look at.

let dash: Dashboard;
let srv: Dashboard['srv'];
let seeded: Dashboard['seeded'];
let browser: Browser;
let page: Page;

beforeAll(async () => {
  dash = await openDashboard();
  ({ srv, seeded, browser, page } = dash);
});

afterAll(async () => {
  await dash?.close();
});

describe('the dashboard pages (admin)', () => {
  it('shows stats, agents, the chart, the live feed and the pending alert on the overview', async () => {
    await page.goto(srv.url + '/');
    const stats = page.getByTestId('stat-card');
    await poll(() => stats.count()).toBe(5);
    await poll(() => stats.filter({ hasText: 'Registered agents' }).innerText()).toContain('3');
    await page.getByRole('list', { name: 'Agents' }).getByRole('link', { name: LOANS }).waitFor();
    await page.getByRole('img', { name: /Decisions over time/ }).waitFor();
    await page.getByRole('list', { name: 'Most-blocked actions' }).getByText('delete_records').waitFor();
    await page.getByRole('list', { name: 'Live activity' }).getByText('access_credit_card', { exact: true }).waitFor();
    await page.getByText('1 action is waiting for approval').waitFor();
    await expectAccessible(page);
    await screenshotBoth(page, 'overview', () => page.getByTestId('stat-card').first().waitFor());
  });

  it('lists every agent as a card with status, risk and counts', async () => {
    await page.goto(srv.url + '/agents');
    const cards = page.getByTestId('agent-card');
    await poll(() => cards.count()).toBe(3);
    const loans = cards.filter({ hasText: LOANS });
    expect(await loans.innerText()).toMatch(/ACTIVE[\s\S]*66\.7%/);
    await expectAccessible(page);
    await screenshotBoth(page, 'agents', () => cards.first().waitFor());
  });

  it("shows an agent's profile, policy, tools used and feed", async () => {
    await page.goto(srv.url + agentPath(SUPPORT));
    await page.getByRole('heading', { level: 1, name: new RegExp(SUPPORT) }).waitFor();
    await page.getByRole('list', { name: 'Allowed actions' }).getByText('lookup_balance').waitFor();
    await page.getByRole('list', { name: 'Blocked actions' }).getByText('delete_records').waitFor();
    await page.getByRole('cell', { name: 'get_transaction_history' }).waitFor();
    await page.getByRole('list', { name: `Activity of ${SUPPORT}` }).getByText('Policy blocks delete_records').waitFor();
    await page.getByRole('switch', { name: 'Kill-switch' }).waitFor();
    await expectAccessible(page);
    await screenshotBoth(page, 'agent', () => page.getByRole('switch', { name: 'Kill-switch' }).waitFor());
  });

  it('shows the audit log and the approval queue with masked arguments', async () => {
    await page.goto(srv.url + '/activity');
    await poll(() => page.getByTestId('audit-row').count()).toBeGreaterThanOrEqual(9);
    await expectAccessible(page);
    await screenshotBoth(page, 'activity', () => page.getByTestId('audit-row').first().waitFor());

    await page.goto(srv.url + '/approvals');
    const card = page.getByTestId('approval-card').filter({ hasText: 'access_ssn' });
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('***-**-6789');
    expect(text).not.toContain('123-45-6789');
    await card.getByRole('button', { name: 'Reveal values' }).click();
    await card.getByText('123-45-6789').waitFor();
    await card.getByRole('button', { name: 'Mask values' }).click();
    await expectAccessible(page);
    await screenshotBoth(page, 'approvals', () => card.waitFor());
  });

  it('collapses the navigation into a menu at 375 px', async () => {
    await page.setViewportSize(PHONE);
    await page.goto(srv.url + '/');
    const menu = page.getByRole('button', { name: 'Open menu' });
    await menu.click();
    await page.locator('#mobile-nav').getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await expectAccessible(page);
    await page.setViewportSize(DESKTOP);
  });

  it('switches to dark mode and remembers it', async () => {
    await page.goto(srv.url + '/');
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await page.reload();
    await page.getByRole('button', { name: 'Switch to light mode' }).waitFor();
    await screenshotBoth(page, 'overview-dark', () => page.getByTestId('stat-card').first().waitFor());
    await expectAccessible(page);
    await page.goto(srv.url + '/approvals');
    await screenshotBoth(page, 'approvals-dark', () => page.getByTestId('approval-card').first().waitFor());
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Switch to light mode' }).click();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(false);
  });

  it('logged no console errors', () => {
    expect(browser.errors).toEqual([]);
  });
});

describe('the dashboard (viewer)', () => {
  let viewer: Browser;
  beforeAll(async () => {
    viewer = await launchBrowser();
  });
  afterAll(async () => {
    await viewer?.close();
  });

  it('sends a signed-out visitor to the login page with an explanation', async () => {
    await viewer.page.goto(srv.url + '/approvals');
    await viewer.page.waitForURL(/\/login\?reason=/);
    await viewer.page.getByText('Sign in to see the dashboard.').waitFor();
    await screenshotBoth(viewer.page, 'login', () => viewer.page.getByLabel('API key').waitFor());
    // The browser itself logs the refused whoami request; that one is expected here.
    const unexpected = viewer.errors.filter((e) => !/status of 401/.test(e));
    expect(unexpected).toEqual([]);
    viewer.errors.length = 0;
  });

  it('sees the queue and the agents but no approve, kill-switch or policy controls', async () => {
    await signIn(viewer.page, srv.url, seeded.viewerKey);
    const p = viewer.page;
    await p.goto(srv.url + '/approvals');
    await p.getByTestId('approval-card').first().waitFor();
    expect(await p.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    expect(await p.getByRole('button', { name: /Always (allow|block)/ }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Reveal values' }).count()).toBe(0);
    await screenshotBoth(p, 'approvals-viewer', () => p.getByTestId('approval-card').first().waitFor());

    await p.goto(srv.url + agentPath(SUPPORT));
    await p.getByRole('list', { name: 'Allowed actions' }).waitFor();
    expect(await p.getByRole('switch').count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Set rule' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: /Remove .* rule/ }).count()).toBe(0);
    expect(viewer.errors).toEqual([]);
  });

  it('sends the viewer back to sign-in, saying why, once their key is revoked', async () => {
    const admin = srv.api();
    const key = (await admin.keys.list.query()).find((k) => k.name === 'vera-viewer');
    await admin.keys.revoke.mutate({ id: key!.id });
    const p = viewer.page;
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity' }).click();
    await p.waitForURL(/\/login\?reason=expired/);
    await p.getByText('Your session has ended').waitFor();
    expect(viewer.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
