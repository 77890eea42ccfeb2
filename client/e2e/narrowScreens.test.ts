import { describe, expect, it } from 'vitest';
import { createAegis } from '@aegis/sdk';
import { DESKTOP } from './helpers/browser';
import { agentPath, expectAccessible, poll, useDashboard, type Dashboard } from './helpers/fixture';
import { drawnLines, midWordBreaks } from './helpers/lines';
import { attempt, FRAUD, LOANS } from './helpers/seed';

// What a reviewer on a laptop or a 390 px phone tripped over: risk bars that said nothing of what
// they measured, an owner's address broken mid-word, and tool names cut to an ellipsis whose
// whole only a mouse's hover (a `title`) could show.

const dash = useDashboard();
const PHONE_390 = { width: 390, height: 844 };
const CLERK = 'Records Clerk';
const OWNER = 'customer-experience@bank.example';
const LONG = 'export_every_customer_record_to_the_partner_data_warehouse';

/** An agent owned by a long address that called a long-named tool, as the demo's agents are. */
async function registerClerk(srv: Dashboard['srv']): Promise<void> {
  const { key } = await srv
    .api()
    .keys.create.mutate({ name: 'clerk', role: 'agent', agents: [CLERK] });
  const aegis = createAegis({ url: srv.url, apiKey: key, requestTimeoutMs: 30_000 });
  try {
    await aegis.agent(CLERK, { owner: OWNER, allows: [LONG], blocks: [] }).register();
    await attempt(aegis, CLERK, LONG, { partner: 'acme' });
    await aegis.flush();
  } finally {
    await aegis.close();
  }
}

describe('risk bars', () => {
  it('carry a visible label and value and a named meter on the cards, the overview and the agent page', async () => {
    const { page, srv } = dash;
    await page.goto(srv.url + '/agents');
    const card = page.getByTestId('agent-card').filter({ hasText: LOANS });
    const meter = card.getByRole('meter', { name: 'Risk score' });
    await meter.waitFor();
    expect(await meter.innerText()).toMatch(/Risk score\s+66\.7% blocked/);
    expect(await meter.getAttribute('aria-valuenow')).toBe('66.7');

    // On a phone the overview's list showed no risk at all; on a laptop a bare bar and number.
    for (const size of [DESKTOP, PHONE_390]) {
      await page.setViewportSize(size);
      await page.goto(srv.url + '/');
      const row = page
        .getByRole('list', { name: 'Agents' })
        .getByRole('listitem')
        .filter({ hasText: LOANS });
      const bar = row.getByRole('meter', { name: 'Risk score' });
      await bar.waitFor();
      expect(await bar.isVisible()).toBe(true);
      expect(await bar.innerText()).toMatch(/Risk\s+66\.7% blocked/);
    }
    await page.setViewportSize(DESKTOP);
    await page.goto(srv.url + agentPath(LOANS));
    const profile = page.getByRole('region', { name: 'Profile' });
    expect(await profile.getByRole('meter', { name: 'Risk score' }).innerText()).toMatch(
      /66\.7% blocked/,
    );
    await expectAccessible(page);
  });
});

describe('on a 390 px phone', () => {
  it("wraps an owner's e-mail at its joints, never mid-word", async () => {
    const { page, srv } = dash;
    await registerClerk(srv);
    await page.setViewportSize(PHONE_390);
    await page.goto(srv.url + agentPath(CLERK));
    const owner = page.getByRole('region', { name: 'Profile' }).locator('dd').nth(1);
    await owner.getByText('@bank', { exact: false }).waitFor();
    const lines = await drawnLines(owner);
    expect(lines.join('')).toBe(OWNER);
    expect(lines.length).toBeGreaterThan(1); // too long for the column: the test tests a wrap
    // Before: "customer-experience@bank.ex|ample".
    expect(midWordBreaks(lines)).toEqual([]);

    await page.goto(srv.url + '/agents');
    const footer = page
      .getByTestId('agent-card')
      .filter({ hasText: CLERK })
      .getByText(/^Owner/);
    expect(midWordBreaks(await drawnLines(footer))).toEqual([]);
    await page.setViewportSize(DESKTOP);
  });

  it('opens an ellipsized tool name whole on a tap, wrapped at its joints', async () => {
    const { page, srv } = dash;
    await page.setViewportSize(PHONE_390);
    await page.goto(srv.url + agentPath(CLERK));
    const name = page.getByTestId('tool-name').filter({ hasText: LONG });
    await name.waitFor();
    const cut = () => name.evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(await cut()).toBe(true);
    await name.click();
    await poll(() => name.getAttribute('aria-expanded')).toBe('true');
    expect(await cut()).toBe(false);
    const lines = await drawnLines(name);
    expect(lines.join('')).toBe(LONG);
    expect(midWordBreaks(lines)).toEqual([]);
    await name.click();
    await poll(cut).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE_390.width,
    );
    await page.setViewportSize(DESKTOP);
  });

  it("shows a held call's arguments whole on the approval card, the longest value wrapped", async () => {
    const { page, srv, seeded } = dash;
    const destination = 'partner-analytics-exports@growth-partners-worldwide.example.com';
    await attempt(
      seeded.aegis,
      FRAUD,
      'wire_money',
      { amount: 9000, destination },
      { wait: false },
    );
    await page.setViewportSize(PHONE_390);
    await page.goto(srv.url + '/approvals');
    const args = page
      .getByTestId('approval-card')
      .filter({ hasText: 'wire_money' })
      .locator('pre')
      .first();
    await args.waitFor();
    // Before: the line ran off the card's right edge, to be found by scrolling sideways.
    expect(await args.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    expect(await args.innerText()).toContain('growth-partners-worldwide.example.com');
    await page.setViewportSize(DESKTOP);
  });

  it('lists recently decided calls without a line starting with a stray separator', async () => {
    const { page, srv, seeded } = dash;
    await attempt(seeded.aegis, FRAUD, 'wire_money', { amount: 7100 }, { wait: false });
    const held = (await srv.api().approvals.pending.query()).filter(
      (a) => a.action === 'wire_money',
    );
    for (const a of held)
      await srv
        .api(seeded.reviewerKey)
        .approvals.decide.mutate({ id: a.id, decision: 'DENIED', comment: 'not this week' });
    await page.setViewportSize(PHONE_390);
    await page.goto(srv.url + '/approvals');
    const recent = page.getByRole('list', { name: 'Recently decided approvals' });
    await recent.getByText('not this week').first().waitFor();
    const lines = (await drawnLines(recent)).map((l) => l.trim());
    // Before: the agent's name wrapped onto a line of its own as "· Fraud Detection".
    expect(lines.filter((l) => l.startsWith('·'))).toEqual([]);
    expect(lines.join(' ')).toContain(FRAUD);
    await page.setViewportSize(DESKTOP);
  });

  it("shows a long tool's whole name in the graph's trace panel", async () => {
    const { page, srv } = dash;
    await page.goto(srv.url + `/graph?agent=${encodeURIComponent(CLERK)}`);
    const link = page.getByTestId('trace-panel').getByRole('link', { name: LONG });
    await link.waitFor();
    // Beside the map the panel is 15rem: the name was cut, whole only in its title.
    expect(await link.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(false);
    const lines = await drawnLines(link);
    expect(lines.join('')).toBe(LONG);
    expect(midWordBreaks(lines)).toEqual([]);
  });
});
