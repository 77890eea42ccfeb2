import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildDashboard } from './helpers/buildDashboard';
import { startE2eServer, type E2eServer } from './helpers/server';
import { launchBrowser, PHONE, DESKTOP, screenshotBoth, screenshotDir, signIn, signInWithLink, type Browser } from './helpers/browser';
import { unnamedControls } from './helpers/a11y';
import { lowContrastTexts } from './helpers/contrast';
import { FRAUD, LOANS, SUPPORT, attempt, seed, type Seeded } from './helpers/seed';
import { markPage } from './helpers/markPage';

let srv: E2eServer;
let seeded: Seeded;
let browser: Browser;
let page: Page;

/** Live updates arrive when they arrive: wait generously on a busy machine, never assert how fast. */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });

const agentPath = (name: string) => `/agents/${encodeURIComponent(name)}`;

beforeAll(async () => {
  const dist = await buildDashboard();
  srv = await startE2eServer(dist);
  seeded = await seed(srv.api(), srv.url);
  browser = await launchBrowser();
  page = browser.page;
  await signInWithLink(page, srv.url, srv.loginToken);
});

afterAll(async () => {
  await browser?.close();
  await seeded?.aegis.close();
  await srv?.close();
});

/** Every control has an accessible name, and every text has enough contrast to be read. */
async function expectNamedControls() {
  expect(await unnamedControls(page)).toEqual([]);
  expect(await lowContrastTexts(page)).toEqual([]);
}

describe('the dashboard (admin)', () => {
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
    await expectNamedControls();
    await screenshotBoth(page, 'overview', () => page.getByTestId('stat-card').first().waitFor());
  });

  it('lists every agent as a card with status, risk and counts', async () => {
    await page.goto(srv.url + '/agents');
    const cards = page.getByTestId('agent-card');
    await poll(() => cards.count()).toBe(3);
    const loans = cards.filter({ hasText: LOANS });
    expect(await loans.innerText()).toMatch(/ACTIVE[\s\S]*66\.7%/);
    await expectNamedControls();
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
    await expectNamedControls();
    await screenshotBoth(page, 'agent', () => page.getByRole('switch', { name: 'Kill-switch' }).waitFor());
  });

  it('shows the audit log and the approval queue with masked arguments', async () => {
    await page.goto(srv.url + '/activity');
    await poll(() => page.getByTestId('audit-row').count()).toBeGreaterThanOrEqual(9);
    await expectNamedControls();
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
    await expectNamedControls();
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
    await expectNamedControls();
    await page.setViewportSize(DESKTOP);
  });

  it('shows a new audit entry on /activity without a reload', async () => {
    await page.goto(srv.url + '/activity');
    await page.getByTestId('audit-row').first().waitFor();
    const sameDocument = await markPage(page);
    expect(await attempt(seeded.aegis, SUPPORT, 'send_notification', { customer_id: 3, text: 'hi' })).toBe('RAN');
    const first = page.getByTestId('audit-row').first();
    await poll(() => first.innerText()).toMatch(/ALLOWED[\s\S]*send_notification/);
    expect(await sameDocument()).toBe(true);
  });

  it('filters the audit log by agent', async () => {
    await page.goto(srv.url + '/activity');
    await page.getByTestId('audit-row').first().waitFor();
    await page.getByRole('combobox', { name: 'Filter by agent' }).selectOption(LOANS);
    await page.waitForURL(/agent=Loan/);
    const rows = page.getByTestId('audit-row');
    await poll(() => rows.count()).toBe(3);
    for (const row of await rows.all()) expect(await row.innerText()).toContain(LOANS);
    await page.getByRole('combobox', { name: 'Filter by status' }).selectOption('BLOCKED');
    await poll(() => rows.count()).toBe(2);
  });

  it("flipping the kill-switch makes the agent's next call KILLED", async () => {
    await page.goto(srv.url + agentPath(FRAUD));
    const killSwitch = page.getByRole('switch', { name: 'Kill-switch' });
    const heading = page.getByRole('heading', { level: 1 });
    await killSwitch.click();
    // The switch moves at once; the badge changes when the server has confirmed.
    await heading.getByText('PAUSED').waitFor();
    expect(await killSwitch.getAttribute('aria-checked')).toBe('true');
    expect(await attempt(seeded.aegis, FRAUD, 'access_ssn', { customer_id: 1 })).toBe('KILLED');
    const feed = page.getByRole('list', { name: `Activity of ${FRAUD}` });
    await poll(() => feed.getByTestId('audit-row').first().innerText()).toMatch(/KILLED[\s\S]*access_ssn/);

    await killSwitch.click();
    await heading.getByText('ACTIVE').waitFor();
    expect(await attempt(seeded.aegis, FRAUD, 'access_ssn', { customer_id: 1 })).toBe('RAN');
  });

  it('an approval from a waiting SDK call appears live; approving it lets the call complete', async () => {
    await page.goto(srv.url + '/approvals');
    await page.getByTestId('approval-card').first().waitFor();
    const sameDocument = await markPage(page);
    const call = attempt(seeded.aegis, SUPPORT, 'export_customer_list', { format: 'csv' }, { timeoutMs: 45_000 });
    const card = page.getByTestId('approval-card').filter({ hasText: 'export_customer_list' });
    await card.waitFor();
    await page.getByRole('status').filter({ hasText: `${SUPPORT} wants to run export_customer_list` }).waitFor();
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    expect(await call).toBe('RAN');
    await card.waitFor({ state: 'detached' });
    expect(await sameDocument()).toBe(true);
  });

  it('"always block" turns the decision into a BLOCK rule shown on the agent page', async () => {
    await page.goto(srv.url + '/approvals');
    const call = attempt(seeded.aegis, LOANS, 'wire_transfer', { amount: 5000, to: 'ACC-9' }, { timeoutMs: 45_000 });
    const card = page.getByTestId('approval-card').filter({ hasText: 'wire_transfer' });
    await card.getByRole('button', { name: 'Always block' }).click();
    expect(await call).toBe('APPROVAL_DENIED');
    await card.waitFor({ state: 'detached' });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agents' }).click();
    await page.getByTestId('agent-card').filter({ hasText: LOANS }).click();
    await page.getByRole('list', { name: 'Blocked actions' }).getByText('wire_transfer').waitFor();
    expect(await attempt(seeded.aegis, LOANS, 'wire_transfer', {})).toBe('BLOCKED');
  });

  it('decides with keyboard shortcuts', async () => {
    await page.goto(srv.url + '/approvals');
    const pendingBefore = await srv.api().approvals.pending.query();
    const call = attempt(seeded.aegis, FRAUD, 'close_account', { account: 'ACC-3' }, { timeoutMs: 45_000 });
    const card = page.getByTestId('approval-card').filter({ hasText: 'close_account' });
    await card.waitFor();
    // The queue is oldest first: move down to the new request, then deny it.
    for (let i = 0; i < pendingBefore.length; i++) await page.keyboard.press('j');
    await poll(() => card.getAttribute('aria-current')).toBe('true');
    await page.keyboard.press('d');
    expect(await call).toBe('APPROVAL_DENIED');
  });

  it('lets an admin add and remove a policy rule', async () => {
    await page.goto(srv.url + agentPath(LOANS));
    const allowed = page.getByRole('list', { name: 'Allowed actions' });
    await allowed.waitFor();
    await page.getByRole('textbox', { name: 'Action name' }).fill('check_balance');
    await page.getByRole('combobox', { name: 'Rule' }).selectOption('ALLOW');
    await page.getByRole('button', { name: 'Set rule' }).click();
    await allowed.getByText('check_balance').waitFor();
    expect(await attempt(seeded.aegis, LOANS, 'check_balance', { customer_id: 2 })).toBe('RAN');
    await page.getByRole('button', { name: 'Remove allowed rule for check_balance' }).click();
    await allowed.getByText('check_balance').waitFor({ state: 'detached' });
  });

  it('searches the audit log', async () => {
    await page.goto(srv.url + '/activity');
    await page.getByTestId('audit-row').first().waitFor();
    await page.getByRole('searchbox', { name: 'Search actions and details' }).fill('wire_');
    await page.waitForURL(/q=wire_/);
    const rows = page.getByTestId('audit-row');
    await poll(async () => (await rows.allInnerTexts()).every((t) => t.includes('wire_transfer'))).toBe(true);
    expect(await rows.count()).toBeGreaterThan(0);
  });

  it('switches to dark mode and remembers it', async () => {
    await page.goto(srv.url + '/');
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await page.reload();
    await page.getByRole('button', { name: 'Switch to light mode' }).waitFor();
    await screenshotBoth(page, 'overview-dark', () => page.getByTestId('stat-card').first().waitFor());
    await expectNamedControls();
    await page.goto(srv.url + '/approvals');
    await screenshotBoth(page, 'approvals-dark', () => page.getByTestId('approval-card').first().waitFor());
    await expectNamedControls();
    await page.getByRole('button', { name: 'Switch to light mode' }).click();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(false);
  });

  it('logged no console errors', () => {
    expect(browser.errors).toEqual([]);
  });
});

describe('failed actions', () => {
  it("toast the server's message, e.g. when someone else decided first", async () => {
    await page.goto(srv.url + '/approvals');
    const call = attempt(seeded.aegis, SUPPORT, 'open_account', { customer_id: 9 }, { timeoutMs: 45_000 });
    const card = page.getByTestId('approval-card').filter({ hasText: 'open_account' });
    await card.waitFor();
    const id = Number(await card.getAttribute('data-approval-id'));
    // Another reviewer denies it while this browser's approve is on its way.
    const other = srv.api(seeded.reviewerKey);
    await page.route('**/trpc/approvals.decide*', async (route) => {
      await other.approvals.decide.mutate({ id, decision: 'DENIED' });
      await route.continue();
    });
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: `Approval #${id} was already denied` }).waitFor();
    expect(await call).toBe('APPROVAL_DENIED');
    await page.unroute('**/trpc/approvals.decide*');
    // The browser logs the refused request itself; nothing else may have gone wrong.
    expect(browser.errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
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
});

describe('when the server goes away', () => {
  it('shows the live connection reconnecting and a banner saying the server is unreachable', async () => {
    await page.goto(srv.url + '/');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await srv.server.stop();
    await page.getByRole('alert').filter({ hasText: 'reach the Aegis server' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
    await page.screenshot({ path: `${screenshotDir}/unreachable-desktop.png` });
  });
});
