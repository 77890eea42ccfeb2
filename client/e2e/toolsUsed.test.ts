import { describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createAegis } from '@aegis/sdk';
import { screenshotDir } from './helpers/browser';
import { agentPath, expectAccessible, poll, useDashboard } from './helpers/fixture';
import { attempt } from './helpers/seed';

// "Tools used" on an agent's page, on a phone: a tool name is never broken mid-word; one too long
// for the screen ends in an ellipsis and keeps its whole name in its title.

const dash = useDashboard();
const AGENT = 'Records Clerk';
const LONG = 'export_every_customer_record_to_the_partner_data_warehouse';
const PHONE_390 = { width: 390, height: 844 };

describe('the tools an agent used, on a 390 px phone', () => {
  it('shows each name on one line, ellipsizing only the one too long, whole in its title', async () => {
    const { key } = await dash.srv
      .api()
      .keys.create.mutate({ name: 'clerk', role: 'agent', agents: [AGENT] });
    const aegis = createAegis({ url: dash.srv.url, apiKey: key, requestTimeoutMs: 30_000 });
    try {
      await aegis
        .agent(AGENT, { allows: ['get_transaction_history', LONG], blocks: [] })
        .register();
      await attempt(aegis, AGENT, 'get_transaction_history', { customer_id: 3 });
      await attempt(aegis, AGENT, LONG, { partner: 'acme' });
      await aegis.flush();
    } finally {
      await aegis.close();
    }

    const { page } = dash;
    await page.setViewportSize(PHONE_390);
    await page.goto(dash.srv.url + agentPath(AGENT));
    const names = page.getByTestId('tool-name');
    await poll(() => names.count()).toBe(2);
    const shown = await names.evaluateAll((els) =>
      els.map((el) => ({
        title: el.getAttribute('title'),
        lines: Math.round(
          el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight),
        ),
        cut: el.scrollWidth > el.clientWidth,
      })),
    );
    // Before: `wrap-anywhere` broke "get_transaction_hist|ory" and the long name over three lines.
    expect(shown).toEqual(
      expect.arrayContaining([
        { title: 'get_transaction_history', lines: 1, cut: false },
        { title: LONG, lines: 1, cut: true },
      ]),
    );
    // The live feed beside it names the same tools the same way.
    const feed = page
      .getByRole('list', { name: `Activity of ${AGENT}` })
      .getByTestId('feed-action');
    await poll(() => feed.count()).toBe(2);
    expect(
      await feed.evaluateAll((els) =>
        els.map((el) =>
          Math.round(
            el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight),
          ),
        ),
      ),
    ).toEqual([1, 1]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE_390.width,
    );
    await expectAccessible(page);
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({
      path: path.join(screenshotDir, 'tools-used-390.png'),
      fullPage: true,
      animations: 'disabled',
    });
  });
});
