import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, PHONE, DESKTOP, screenshotBoth, signIn, type Browser } from './helpers/browser';
import { agentPath, expectAccessible, useDashboard, poll } from './helpers/fixture';
import { LOANS, SUPPORT } from './helpers/seed';

// Every page renders its data, at desktop and phone widths, in light and dark, accessibly;
// screenshots land in screenshots/ (git-ignored) for a person to look at.

const dash = useDashboard();

describe('the dashboard pages (admin)', () => {
  it('shows stats, agents, the chart, the live feed and the pending alert on the overview', async () => {
    await dash.page.goto(dash.srv.url + '/');
    const stats = dash.page.getByTestId('stat-card');
    await poll(() => stats.count()).toBe(5);
    await poll(() => stats.filter({ hasText: 'Registered agents' }).innerText()).toContain('3');
    await dash.page.getByRole('list', { name: 'Agents' }).getByRole('link', { name: LOANS }).waitFor();
    await dash.page.getByRole('img', { name: /Decisions over time/ }).waitFor();
    await dash.page.getByRole('list', { name: 'Most-blocked actions' }).getByText('delete_records').waitFor();
    // Each row opens its blocked calls in Activity, over the Overview's window.
    const blocked = dash.page.getByRole('list', { name: 'Most-blocked actions' }).getByRole('link', { name: /delete_records/ });
    const blockedLink = new URL((await blocked.getAttribute('href'))!, dash.srv.url);
    expect(blockedLink.pathname).toBe('/activity');
    expect(Object.fromEntries(blockedLink.searchParams)).toMatchObject({ action: 'delete_records', status: 'BLOCKED', from: expect.any(String) });
    await dash.page.getByRole('list', { name: 'Live activity' }).getByText('access_credit_card', { exact: true }).waitFor();
    await dash.page.getByText('1 action is waiting for approval').waitFor();
    await expectAccessible(dash.page);
    await screenshotBoth(dash.page, 'overview', () => dash.page.getByTestId('stat-card').first().waitFor());
  });

  it('lists every agent as a card with status, risk and counts', async () => {
    await dash.page.goto(dash.srv.url + '/agents');
    const cards = dash.page.getByTestId('agent-card');
    await poll(() => cards.count()).toBe(3);
    const loans = cards.filter({ hasText: LOANS });
    expect(await loans.innerText()).toMatch(/ACTIVE[\s\S]*66\.7%/);
    await expectAccessible(dash.page);
    await screenshotBoth(dash.page, 'agents', () => cards.first().waitFor());
  });

  it("shows an agent's profile, policy, tools used and feed", async () => {
    await dash.page.goto(dash.srv.url + agentPath(SUPPORT));
    await dash.page.getByRole('heading', { level: 1, name: new RegExp(SUPPORT) }).waitFor();
    await dash.page.getByRole('list', { name: 'Allowed actions' }).getByText('lookup_balance').waitFor();
    await dash.page.getByRole('list', { name: 'Blocked actions' }).getByText('delete_records').waitFor();
    await dash.page.getByRole('cell', { name: 'get_transaction_history' }).waitFor();
    await dash.page.getByRole('list', { name: `Activity of ${SUPPORT}` }).getByText('Policy blocks delete_records').waitFor();
    await dash.page.getByRole('switch', { name: 'Kill-switch' }).waitFor();
    // When it registered, with the zone the audit log's times carry (it was a bare local time).
    expect(await dash.page.getByRole('region', { name: 'Profile' }).innerText()).toMatch(
      /Registered\s+\w+ \d+, [\d:]+( [AP]M)? (UTC|GMT[+-]?[\d:]*)/,
    );
    await expectAccessible(dash.page);
    await screenshotBoth(dash.page, 'agent', () => dash.page.getByRole('switch', { name: 'Kill-switch' }).waitFor());
  });

  it('shows the audit log and the approval queue with masked arguments', async () => {
    await dash.page.goto(dash.srv.url + '/activity');
    await poll(() => dash.page.getByTestId('audit-row').count()).toBeGreaterThanOrEqual(9);
    await expectAccessible(dash.page);
    await screenshotBoth(dash.page, 'activity', () => dash.page.getByTestId('audit-row').first().waitFor());

    await dash.page.goto(dash.srv.url + '/approvals');
    const card = dash.page.getByTestId('approval-card').filter({ hasText: 'access_ssn' });
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('***-**-6789');
    expect(text).not.toContain('123-45-6789');
    await card.getByRole('button', { name: 'Reveal values' }).click();
    await card.getByText('123-45-6789').waitFor();
    await card.getByRole('button', { name: 'Mask values' }).click();
    await expectAccessible(dash.page);
    await screenshotBoth(dash.page, 'approvals', () => card.waitFor());
  });

  it('collapses the navigation into a menu at 375 px', async () => {
    await dash.page.setViewportSize(PHONE);
    await dash.page.goto(dash.srv.url + '/');
    const menu = dash.page.getByRole('button', { name: 'Open menu' });
    await menu.click();
    await dash.page.locator('#mobile-nav').getByRole('link', { name: 'Activity' }).click();
    await dash.page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    expect(await dash.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await expectAccessible(dash.page);
    await dash.page.setViewportSize(DESKTOP);
  });

  it('switches to dark mode and remembers it', async () => {
    await dash.page.goto(dash.srv.url + '/');
    await dash.page.getByRole('button', { name: 'Switch to dark mode' }).click();
    expect(await dash.page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await dash.page.reload();
    await dash.page.getByRole('button', { name: 'Switch to light mode' }).waitFor();
    await screenshotBoth(dash.page, 'overview-dark', () => dash.page.getByTestId('stat-card').first().waitFor());
    await expectAccessible(dash.page);
    await dash.page.goto(dash.srv.url + '/approvals');
    await screenshotBoth(dash.page, 'approvals-dark', () => dash.page.getByTestId('approval-card').first().waitFor());
    await expectAccessible(dash.page);
    await dash.page.getByRole('button', { name: 'Switch to light mode' }).click();
    expect(await dash.page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(false);
  });

  it('logged no console errors', () => {
    expect(dash.browser.errors).toEqual([]);
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

  it('sends a signed-out visitor to the login dash.page with an explanation', async () => {
    await viewer.page.goto(dash.srv.url + '/approvals');
    await viewer.page.waitForURL(/\/login\?reason=/);
    await viewer.page.getByText('Sign in to see the dashboard.').waitFor();
    await screenshotBoth(viewer.page, 'login', () => viewer.page.getByLabel('API key').waitFor());
    // A used or made-up sign-in link: one explanation, not two messages saying the same.
    await viewer.page.goto(dash.srv.url + '/login?token=not-a-real-token');
    const alert = viewer.page.getByRole('alert');
    await alert.getByText('This sign-in link was already used or has expired').waitFor();
    expect(await alert.textContent()).not.toContain('Invalid, expired or already used');
    // The dash.browser itself logs the refused whoami request; that one is expected here.
    const unexpected = viewer.errors.filter((e) => !/status of 401/.test(e));
    expect(unexpected).toEqual([]);
    viewer.errors.length = 0;
  });

  it('sees the queue and the agents but no approve, kill-switch or policy controls', async () => {
    await signIn(viewer.page, dash.srv.url, dash.seeded.viewerKey);
    const p = viewer.page;
    await p.goto(dash.srv.url + '/approvals');
    await p.getByTestId('approval-card').first().waitFor();
    expect(await p.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    expect(await p.getByRole('button', { name: /Always (allow|block)/ }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Reveal values' }).count()).toBe(0);
    await screenshotBoth(p, 'approvals-viewer', () => p.getByTestId('approval-card').first().waitFor());

    await p.goto(dash.srv.url + agentPath(SUPPORT));
    await p.getByRole('list', { name: 'Allowed actions' }).waitFor();
    expect(await p.getByRole('switch').count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Set rule' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: /Remove .* rule/ }).count()).toBe(0);
    expect(viewer.errors).toEqual([]);
  });

  it('sends the viewer back to sign-in, saying why, once their key is revoked', async () => {
    const admin = dash.srv.api();
    const key = (await admin.keys.list.query()).find((k) => k.name === 'vera-viewer');
    await admin.keys.revoke.mutate({ id: key!.id });
    const p = viewer.page;
    // The server ends the revoked key's live streams at once: the open page goes to sign-in
    // without waiting for the viewer's next click.
    await p.waitForURL(/\/login\?reason=expired/);
    await p.getByText('Your session has ended').waitFor();
    expect(viewer.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
