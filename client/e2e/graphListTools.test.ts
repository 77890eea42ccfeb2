import { describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { screenshotDir } from './helpers/browser';
import type { Api } from './helpers/server';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';

// The Graph's List view (the first view on a phone) of an agent that called 300 tools. The map
// draws its 12 busiest and a "+N more"; the list drew every one of them, a column thousands of
// pixels long in which the other agents were lost. Now it shows as many as the map, and all of
// them on request a page at a time with a search, as the agent's page does.

const dash = useDashboard();
const AGENT = 'Warehouse Indexer';
const TOOLS = 300;
/** Drawn per agent on the map, and listed before "Show all" (graphLayout's TOOLS_PER_AGENT). */
const TOOLS_PER_AGENT = 12;
const PHONE_390 = { width: 390, height: 844 };

/** An agent that called `names` distinct tools half an hour ago, one allowed call each. */
async function seedMany(api: Api, agent: string, names: number): Promise<void> {
  await api.sdk.registerAgent.mutate({ name: agent, allows: ['fetch'] });
  const { policyVersion } = await api.sdk.decide.mutate({ agent, action: 'fetch', args: {} });
  const decidedAt = new Date(Date.now() - 30 * 60_000).toISOString();
  const entries = Array.from({ length: names }, (_, i) => ({
    entryKey: `indexer-key-${i}-xxxxxxxx`,
    agent,
    action: `index_shelf_${String(i).padStart(3, '0')}`,
    status: 'BLOCKED' as const,
    details: 'local decision',
    callId: `indexer-call-${i}`,
    args: {},
    decidedAt,
    policyVersion,
  }));
  for (let i = 0; i < entries.length; i += 300)
    await api.sdk.recordBatch.mutate({ entries: entries.slice(i, i + 300) });
}

describe('the Graph list of an agent with 300 tools', () => {
  it('lists its busiest tools, then all of them by pages and search on request', async () => {
    const { page, srv } = dash;
    await seedMany(srv.api(), AGENT, TOOLS);
    // What the graph holds of the agent's tools (it keeps the 300 busiest edges of all agents).
    const graph = await srv.api().graph.get.query({});
    const names = graph.calls.filter((e) => e.agent === AGENT).map((e) => e.tool);
    expect(names.length).toBeGreaterThan(100);

    await page.setViewportSize(PHONE_390);
    await page.goto(srv.url + '/graph');
    const card = page.getByTestId('graph-list-agent').and(page.locator(`[data-name="${AGENT}"]`));
    const rows = card.getByTestId('graph-list-tool');
    await poll(() => rows.count()).toBe(TOOLS_PER_AGENT);
    // The other agents' cards are a short scroll away, not past 300 rows.
    const agents = page.getByTestId('graph-list-agent');
    expect(await agents.count()).toBeGreaterThan(1);

    const toggle = card.getByRole('button', { name: `Show all ${names.length} tools` });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await poll(() => rows.count()).toBe(50);
    await poll(() => card.getByTestId('tools-range').innerText()).toBe(`1–50 of ${names.length}`);

    // Page by page, every name the graph holds for the agent, once.
    const seen: string[] = [];
    const next = card.getByRole('button', { name: 'Next' });
    for (;;) {
      seen.push(...(await rows.locator('.font-mono').allInnerTexts()));
      if (await next.isDisabled()) break;
      const first = await rows.first().innerText();
      await next.click();
      await poll(() => rows.first().innerText()).not.toBe(first);
    }
    expect(seen.sort()).toEqual([...names].sort());

    // A search finds one by name.
    const last = names.at(-1) ?? '';
    await card.getByRole('searchbox', { name: `Find a tool of ${AGENT}` }).fill(last);
    await poll(() => rows.locator('.font-mono').allInnerTexts()).toEqual([last]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE_390.width,
    );
    await expectAccessible(page);
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({
      path: path.join(screenshotDir, 'graph-list-many-tools-390.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // And back to the busiest.
    await card.getByRole('button', { name: `Show the busiest ${TOOLS_PER_AGENT}` }).click();
    await poll(() => rows.count()).toBe(TOOLS_PER_AGENT);
  });
});
