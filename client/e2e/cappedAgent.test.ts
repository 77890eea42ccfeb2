import { describe, expect, it } from 'vitest';
import { MAX_ACTIONS_PER_AGENT } from '@aegis/shared';
import type { Api } from './helpers/server';
import { agentPath, poll, useDashboard } from './helpers/fixture';

// Agents past the cap of 500 tool names (their calls under later names are counted together as
// "(other actions)"), on the Graph's map and on their own page. The map drew the bucket as one
// tool node that every capped agent shared, and all ~300 of the graph's tools as one column that
// took seconds to draw; the agent's page drew all 501 tool rows at once, seconds again.

const dash = useDashboard();
const CRAWLER = 'Crawler';
const SCRAPER = 'Scraper';
/** Drawn on the map per agent (graphLayout's TOOLS_PER_AGENT). */
const TOOLS_PER_AGENT = 12;

/** An agent that reported `names` distinct tool names half an hour ago, one blocked call each. */
async function seedCapped(api: Api, agent: string, names: number): Promise<void> {
  await api.sdk.registerAgent.mutate({ name: agent, allows: ['fetch'] });
  const { policyVersion } = await api.sdk.decide.mutate({ agent, action: 'fetch', args: {} });
  // Half an hour ago: the graph reads whole minutes from the rollups, which fold the names past
  // the cap (the current minute it reads from the log, name by name).
  const decidedAt = new Date(Date.now() - 30 * 60_000).toISOString();
  const entries = Array.from({ length: names }, (_, i) => ({
    entryKey: `${agent}-key-${i}-xxxxxxxx`,
    agent,
    action: `${agent.toLowerCase()}_tool_${String(i).padStart(3, '0')}`,
    status: 'BLOCKED' as const,
    details: 'local decision',
    callId: `${agent}-call-${i}`,
    args: {},
    decidedAt,
    policyVersion,
  }));
  for (let i = 0; i < entries.length; i += 300)
    await api.sdk.recordBatch.mutate({ entries: entries.slice(i, i + 300) });
}

describe('agents past the cap of tool names', () => {
  it('map: each capped agent has its own "Other actions" node, set apart and linking nowhere', async () => {
    const { page, srv } = dash;
    await seedCapped(srv.api(), CRAWLER, MAX_ACTIONS_PER_AGENT + 30);
    await seedCapped(srv.api(), SCRAPER, MAX_ACTIONS_PER_AGENT + 15);
    await page.goto(srv.url + '/graph?view=map');
    const others = page.getByTestId('graph-node-other');
    await poll(() => others.count()).toBe(2);
    expect((await others.evaluateAll((els) => els.map((e) => e.dataset.agent))).sort()).toEqual([
      CRAWLER,
      SCRAPER,
    ]);
    // No tool node stands for the bucket (it read as a tool both agents shared).
    expect(await page.getByTestId('graph-node-tool').filter({ hasText: 'other' }).count()).toBe(0);
    for (const node of await others.all()) {
      expect(await node.innerText()).toContain('Other actions');
      expect(await node.getAttribute('title')).toContain(
        `names past the first ${MAX_ACTIONS_PER_AGENT}`,
      );
      const style = await node
        .locator('.font-semibold')
        .evaluate((el) => getComputedStyle(el).fontStyle);
      expect(style).toBe('italic');
      expect(await node.locator('a').count()).toBe(0);
    }
    // Tracing one agent lights its own bucket, not the other agent's.
    await page.getByTestId('graph-node-agent').filter({ hasText: CRAWLER }).click();
    await poll(() =>
      others.evaluateAll((els) => els.map((e) => `${e.dataset.agent}:${e.dataset.trace}`).sort()),
    ).toEqual([`${CRAWLER}:on`, `${SCRAPER}:off`]);
  });

  it('map: draws an agent’s busiest tools and a "+N more" that leads to its page', async () => {
    const { page, srv } = dash;
    await page.goto(srv.url + '/graph?view=map');
    // (The graph keeps its 300 busiest edges: with a call each, Crawler's fill them.)
    const crawlerMore = page
      .getByTestId('graph-node-more')
      .and(page.locator(`[data-agent="${CRAWLER}"]`));
    await poll(() => crawlerMore.count()).toBe(1);
    // Of the agent's ~290 tools in the graph, its busiest are drawn, the rest are "+N more".
    const crawlerTools = page.getByTestId('graph-node-tool').filter({ hasText: 'crawler_tool_' });
    expect(await crawlerTools.count()).toBe(TOOLS_PER_AGENT);
    const label = await crawlerMore.innerText();
    expect(label).toMatch(/\+\d+ more tools/);
    await crawlerMore.getByRole('link').click();
    await page.waitForURL(`${srv.url}${agentPath(CRAWLER)}`);
    await page.getByRole('heading', { level: 1, name: CRAWLER }).waitFor();
  });

  it('agent page: a page of tool rows at a time, every tool name reachable by pages and search', async () => {
    const { page, srv } = dash;
    const detail = await srv.api().agents.byName.query({ name: CRAWLER });
    const all = detail.toolsUsed.map((t) => t.action);
    expect(all.length).toBe(MAX_ACTIONS_PER_AGENT + 1);
    await page.goto(srv.url + agentPath(CRAWLER));
    const tools = page.getByRole('region', { name: 'Tools used' });
    const names = tools.getByTestId('tool-name');
    await poll(() => names.count()).toBeGreaterThan(0);
    expect(await names.count()).toBeLessThan(all.length);

    // Page by page, every itemised name once, and the bucket's row.
    const seen: string[] = [];
    const next = tools.getByRole('button', { name: 'Next' });
    for (;;) {
      seen.push(
        ...(await names.evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''))),
      );
      if (await next.isDisabled()) break;
      const first = await names.first().getAttribute('title');
      await next.click();
      await poll(() => names.first().getAttribute('title')).not.toBe(first);
    }
    expect(seen.sort()).toEqual(all.filter((a) => a !== '(other actions)').sort());

    // A search finds a name from the last page, and the bucket by what its row says.
    const last = all.filter((a) => a !== '(other actions)').at(-1) ?? '';
    const search = tools.getByRole('searchbox', { name: 'Find a tool' });
    await search.fill(last);
    await poll(() => names.evaluateAll((els) => els.map((e) => e.getAttribute('title')))).toEqual([
      last,
    ]);
    await search.fill('other actions');
    await poll(() => tools.getByTestId('other-actions').count()).toBe(1);
    expect(await names.count()).toBe(0);
  });
});
