import { describe, expect, it } from 'vitest';
import { poll, useDashboard } from './helpers/fixture';
import { screenshotBoth } from './helpers/browser';
import { SUPPORT, attempt } from './helpers/seed';

// Issue 17: the dashboard as an investigation tool — every row opens its entry, a call's steps
// form one trace, pages have titles and move focus to their heading.

const dash = useDashboard();
const heading = () => dash.page.getByRole('heading', { level: 1 });

describe('entry detail', () => {
  it('opens from an Activity row with the masked arguments, reason, call id and policy version', async () => {
    await dash.page.goto(dash.srv.url + '/activity');
    const row = dash.page.getByTestId('audit-row').filter({ hasText: 'access_ssn' }).filter({ hasText: 'PENDING' }).first();
    const id = await row.getAttribute('data-id');
    await row.getByRole('link', { name: `access_ssn, entry #${id}` }).click();
    await dash.page.waitForURL(`**/activity/${id}`);
    await poll(() => heading().innerText()).toBe(`Entry #${id}`);
    const args = await dash.page.getByTestId('entry-args').innerText();
    expect(args).toContain('"customer_id": 3');
    expect(args).not.toContain('123-45-6789');
    const entry = dash.page.getByRole('region', { name: 'The entry' });
    expect(await entry.innerText()).toMatch(/Call id\s+[\w-]{16,}/);
    expect(await entry.innerText()).toMatch(/Policy version\s+\d+/);
    // Which rule decided, and in which policy: "why was this held?" answered on the page.
    expect(await dash.page.getByTestId('entry-rule').innerText()).toMatch(
      /^(\S+ in (the agent's|the global) policy v\d+|none matched: the agent's default \(policy v\d+\))$/,
    );
    expect(await entry.innerText()).toMatch(/Approval\s+#\d+ · pending/);
    expect(await dash.page.title()).toBe(`Entry #${id} · Aegis`);
  });

  it('opens from the Overview feed', async () => {
    await dash.page.goto(dash.srv.url + '/');
    const feed = dash.page.getByRole('list', { name: 'Live activity' });
    const first = feed.getByTestId('audit-row').first();
    const id = await first.getAttribute('data-id');
    await first.getByRole('link', { name: new RegExp(`entry #${id}$`) }).click();
    await poll(() => heading().innerText()).toBe(`Entry #${id}`);
  });
});

describe('a call with an approval', () => {
  it('is one row: held, approved by a person, then run — and the entry shows the whole trace', async () => {
    const reviewer = dash.srv.api(dash.seeded.reviewerKey);
    await reviewer.approvals.decide.mutate({ id: dash.seeded.pendingApprovalId, decision: 'APPROVED' });
    const args = { customer_id: 3, ssn: '123-45-6789', reason: 'verify identity' };
    expect(await attempt(dash.seeded.aegis, SUPPORT, 'access_ssn', args)).toBe('RAN');
    await dash.page.goto(dash.srv.url + '/activity');
    const row = dash.page.getByTestId('audit-row').filter({ has: dash.page.getByTestId('trace') }).first();
    await poll(() => row.getAttribute('data-steps')).toBe('3');
    const trace = row.getByTestId('trace');
    expect(await trace.innerText()).toMatch(/PENDING → APPROVED → ALLOWED/);
    expect(await trace.innerText()).toMatch(
      /approved by rex-reviewer (after \d+:\d\d|within a second)/,
    );
    // the pending entry no longer stands alone as a PENDING row
    const pendingRows = dash.page.getByTestId('audit-row').filter({ hasText: 'access_ssn' }).filter({ hasText: /^PENDING/ });
    expect(await pendingRows.count()).toBe(0);
    await trace.locator('summary').click();
    await trace.getByRole('link').first().click();
    await poll(() => dash.page.getByTestId('trace-step').allInnerTexts()).toEqual([
      expect.stringMatching(/PENDING[\s\S]*held for review/),
      expect.stringMatching(/APPROVED[\s\S]*approved by rex-reviewer/),
      expect.stringMatching(/ALLOWED[\s\S]*ran with the approval/),
    ]);
    expect(await dash.page.getByRole('region', { name: 'The entry' }).innerText()).toMatch(/Approval\s+#\d+ · approved by rex-reviewer/);
    await screenshotBoth(dash.page, 'entry', () => dash.page.getByTestId('trace-step').first().waitFor());
    await dash.page.goto(dash.srv.url + '/activity');
    await dash.page.getByTestId('trace').first().locator('summary').click();
    await screenshotBoth(dash.page, 'trace', () => dash.page.getByTestId('trace').first().waitFor());
  });
});

describe('titles, focus and keys', () => {
  it('names every page and moves focus to its heading; / focuses search; g a goes to Agents', async () => {
    await dash.page.goto(dash.srv.url + '/');
    await poll(() => dash.page.title()).toBe('Overview · Aegis');
    const nav = dash.page.getByRole('navigation', { name: 'Main' });
    for (const [link, title] of [['Activity', 'Activity'], ['Approvals', 'Approvals'], ['Agents', 'Agents'], ['Overview', 'Overview']]) {
      await nav.getByRole('link', { name: link }).click();
      await poll(() => dash.page.title()).toBe(`${title} · Aegis`);
      await poll(() => dash.page.evaluate(() => document.activeElement?.tagName + ':' + document.activeElement?.textContent)).toBe(`H1:${title}`);
    }
    await nav.getByRole('link', { name: 'Activity' }).click();
    await poll(() => dash.page.title()).toBe('Activity · Aegis');
    await dash.page.keyboard.press('/');
    await poll(() => dash.page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).toBe('search');
    await dash.page.keyboard.press('Escape');
    await dash.page.locator('main h1').focus();
    await dash.page.keyboard.press('g');
    await dash.page.keyboard.press('a');
    await dash.page.waitForURL('**/agents');
  });

  it('logged no console errors', () => {
    expect(dash.browser.errors).toEqual([]);
  });
});
