import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { apiClient } from './helpers/server';
import { agentPath, poll, useDashboard } from './helpers/fixture';
import { LOANS } from './helpers/seed';

// Issue 17: one time range across the dashboard. Besides the seed's calls (made now), Loan
// Processor reports 6 local-mode calls made two days ago: "last 24 hours" leaves them out and
// "last 7 days" counts them, on every page that shows time; nav links carry the range.

// The server takes reports up to a week old (AEGIS_REPORT_MAX_AGE_MS), as an operator may set.
const dash = useDashboard({ reportMaxAgeMs: 7 * 86_400_000 });
const OLD_CALLS = 6;
const OLD_BLOCKS = 2;

let seededOld: Promise<void> | null = null;
/** Six calls of Loan Processor two days ago (4 allowed, 2 blocked), as local mode reports them. */
function seedOldCalls(): Promise<void> {
  seededOld ??= (async () => {
    const key = await dash.srv
      .api()
      .keys.create.mutate({ name: 'loans-local', role: 'agent', agents: [LOANS] });
    const twoDaysAgo = Date.now() - 2 * 86_400_000;
    // Calls two days ago were decided with a policy that existed then: the agent's first versions
    // are dated three days back (the server refuses reports dated before their policy version).
    await dash.srv.server.store.connection
      .collection('policy_versions')
      .updateMany({ agent: LOANS }, { $set: { at: new Date(twoDaysAgo - 86_400_000) } });
    const entries = Array.from({ length: OLD_CALLS }, (_, i) => {
      const blocked = i < OLD_BLOCKS;
      return {
        entryKey: `old-loans-call-${i}`,
        agent: LOANS,
        action: blocked ? 'delete_records' : 'check_credit_score',
        status: blocked ? ('BLOCKED' as const) : ('ALLOWED' as const),
        details: blocked ? "Policy blocks 'delete_records'" : "Policy allows 'check_credit_score'",
        callId: `old-loans-${i}`,
        args: { customer_id: 40 + i },
        decidedAt: new Date(twoDaysAgo + i * 60_000).toISOString(),
        policyVersion: 1,
        rule: {
          id: blocked ? 'seed-blocked' : 'seed-allowed',
          scope: 'agent' as const,
          version: 1,
        },
      };
    });
    const res = await apiClient(dash.srv.url, key.key).sdk.recordBatch.mutate({ entries });
    expect(res.stored).toBe(OLD_CALLS);
  })();
  return seededOld;
}

const numberIn = async (locator: Locator) =>
  Number((await locator.innerText()).replace(/\D+/g, ''));

async function pick(page: Page, range: '24h' | '7d'): Promise<void> {
  await page.getByRole('combobox', { name: 'Time range' }).selectOption(range);
  await page.waitForURL((u) => u.searchParams.get('range') === range);
}

/** Follows the sidebar link to a page; the range in the URL must travel with it. */
async function navigate(
  page: Page,
  label: string,
  pathname: string,
  range?: string,
): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
  await page.waitForURL((u) => u.pathname === pathname);
  if (range) expect(new URL(page.url()).searchParams.get('range')).toBe(range);
}

/** The stat card labelled exactly `label`. */
const statCard = (page: Page, label: string) =>
  page.getByTestId('stat-card').filter({ has: page.getByText(label, { exact: true }) });

describe('one time range across the dashboard', () => {
  it('changes what every page counts, and travels between pages', async () => {
    const { page } = dash;
    await seedOldCalls();

    // Overview: blocks in the range (from its chart); the two old blocks count only in 7 days.
    await page.goto(dash.srv.url + '/?range=24h');
    const blocks = statCard(page, 'Blocked by policy');
    await blocks.getByText('decisions, last 24 hours').waitFor();
    const blocks24h = await numberIn(blocks.locator('p').nth(1));
    expect(blocks24h).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'Decisions, last 24 hours' }).waitFor();
    await pick(page, '7d');
    await page.getByRole('heading', { name: 'Decisions, last 7 days' }).waitFor();
    await poll(() => numberIn(blocks.locator('p').nth(1))).toBe(blocks24h + OLD_BLOCKS);

    // Agents: each card counts its calls in the range.
    await navigate(page, 'Agents', '/agents', '7d');
    const card = page.getByTestId('agent-card').filter({ hasText: LOANS });
    const total = card.locator('dd').last();
    await card.getByText('Calls, last 7 days').waitFor();
    const loans7d = await numberIn(total);
    await pick(page, '24h');
    await card.getByText('Calls, last 24 hours').waitFor();
    await poll(() => numberIn(total)).toBe(loans7d - OLD_CALLS);

    // The agent page (its link carries the range too): calls in the range, per tool as well.
    await card.click();
    await page.waitForURL((u) => u.pathname === agentPath(LOANS));
    expect(new URL(page.url()).searchParams.get('range')).toBe('24h');
    const calls = page.getByTestId('range-totals').locator('dd').first();
    await page.getByRole('heading', { name: 'Calls, last 24 hours' }).waitFor();
    await poll(() => numberIn(calls)).toBe(loans7d - OLD_CALLS);
    await pick(page, '7d');
    await page.getByRole('heading', { name: 'Calls, last 7 days' }).waitFor();
    await poll(() => numberIn(calls)).toBe(loans7d);

    // Activity: the log of the range.
    await navigate(page, 'Activity', '/activity', '7d');
    const rows = page.getByTestId('audit-row');
    await rows.first().waitFor();
    await poll(
      async () => (await rows.allInnerTexts()).filter((t) => t.includes(LOANS)).length,
    ).toBeGreaterThanOrEqual(OLD_CALLS);
    const loansRows = async () =>
      (await rows.allInnerTexts()).filter((t) => t.includes(LOANS)).length;
    const rows7d = await loansRows();
    await pick(page, '24h');
    await poll(loansRows).toBe(rows7d - OLD_CALLS);

    // Analytics: calls from the rollups.
    await navigate(page, 'Analytics', '/analytics', '24h');
    const analyticsCalls = statCard(page, 'Calls');
    await poll(() => numberIn(analyticsCalls)).toBeGreaterThan(0);
    const calls24h = await numberIn(analyticsCalls);
    await pick(page, '7d');
    await poll(() => numberIn(analyticsCalls)).toBe(calls24h + OLD_CALLS);

    // Graph: an agent's weight is its calls in the range.
    await navigate(page, 'Graph', '/graph', '7d');
    const agentButton = page
      .getByRole('region', { name: 'Trace an agent' })
      .getByRole('button', { name: new RegExp(LOANS) });
    await poll(() => numberIn(agentButton)).toBe(loans7d);
    await pick(page, '24h');
    await poll(() => numberIn(agentButton)).toBe(loans7d - OLD_CALLS);

    expect(dash.browser.errors).toEqual([]);
    // six pages, each loaded twice: generous on a busy machine (speed is the bench's business)
  }, 240_000);

  it('reproduces a custom window from its link, and refuses a backwards one clearly', async () => {
    const { page } = dash;
    await seedOldCalls();
    const from = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 86_400_000).toISOString();
    // Only the old calls fall in it: the graph and the agent page agree on them.
    await page.goto(dash.srv.url + `/graph?from=${from}&to=${to}`);
    expect(await page.getByRole('combobox', { name: 'Time range' }).inputValue()).toBe('custom');
    await page.getByLabel('From', { exact: true }).waitFor();
    const agentButton = page
      .getByRole('region', { name: 'Trace an agent' })
      .getByRole('button', { name: new RegExp(LOANS) });
    await poll(() => numberIn(agentButton)).toBe(OLD_CALLS);
    await navigate(page, 'Agents', '/agents');
    expect(new URL(page.url()).searchParams.get('from')).toBe(from);
    const card = page.getByTestId('agent-card').filter({ hasText: LOANS });
    await poll(() => numberIn(card.locator('dd').last())).toBe(OLD_CALLS);
    // Governance's compliance report exports the same window.
    await navigate(page, 'Governance', '/governance');
    const pdf = new URL(
      (await page.getByRole('link', { name: 'PDF' }).getAttribute('href')) ?? '',
      dash.srv.url,
    );
    expect([pdf.searchParams.get('from'), pdf.searchParams.get('to')]).toEqual([from, to]);

    const backwards = await dash.srv
      .api()
      .graph.get.query({ from: to, to: from })
      .catch((e: unknown) => e);
    expect(String(backwards)).toContain('must be before');
  });

  it("adds up with Activity: the Overview's blocked and decided calls are the log's, same window", async () => {
    const { page } = dash;
    await seedOldCalls();
    await page.goto(dash.srv.url + '/?range=7d');
    const card = statCard(page, 'Blocked by policy');
    // Says what it counts: policy blocks of the window, out of its decisions (it read "Blocks").
    await card.getByText(/^of \d+ decisions, last 7 days/).waitFor();
    const blocked = await numberIn(card.locator('p').nth(1));
    const decided = Number(/of (\d+) decisions/.exec(await card.innerText())?.[1]);
    expect(blocked).toBeGreaterThanOrEqual(OLD_BLOCKS + 1);
    await card.getByRole('link', { name: 'See them in Activity' }).click();
    await page.waitForURL((u) => u.pathname === '/activity');
    const url = new URL(page.url());
    expect(url.searchParams.get('status')).toBe('BLOCKED');
    const rows = page.getByTestId('audit-row');
    await poll(() => rows.count()).toBe(blocked);
    // The decisions are the log's four verdicts over the same window.
    url.searchParams.set('status', 'ALLOWED,BLOCKED,PENDING,KILLED');
    await page.goto(url.toString());
    await poll(() => rows.count()).toBe(decided);
  });
});
