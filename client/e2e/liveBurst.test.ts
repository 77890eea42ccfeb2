import { describe, expect, it } from 'vitest';
import { poll, useDashboard } from './helpers/fixture';

// Activity open while an agent reports a burst (local mode ships its records in batches of up to
// 300): the feed took each entry as its own update, re-rendering the page's rows every time, and
// the tab froze for minutes (about 200 s for 530 entries on this machine). Now the burst shows and
// the page answers; a frozen page fails this by the test's time limit.

const dash = useDashboard();

describe('Activity under a burst of live entries', () => {
  it('shows a burst of 530 reported entries and stays usable', async () => {
    const { page, srv } = dash;
    const api = srv.api();
    await api.sdk.registerAgent.mutate({ name: 'Burst', allows: ['fetch'] });
    const { policyVersion } = await api.sdk.decide.mutate({
      agent: 'Burst',
      action: 'fetch',
      args: {},
    });
    await page.goto(srv.url + '/activity');
    await page.getByTestId('audit-row').first().waitFor();
    const entries = Array.from({ length: 530 }, (_, i) => ({
      entryKey: `burst-key-${i}-xxxxxxxx`,
      agent: 'Burst',
      action: `burst.tool.${i}`,
      status: 'BLOCKED' as const,
      details: 'local decision',
      callId: `burst-call-${i}`,
      args: {},
      decidedAt: new Date().toISOString(),
      policyVersion,
    }));
    for (let i = 0; i < entries.length; i += 300)
      await api.sdk.recordBatch.mutate({ entries: entries.slice(i, i + 300) });
    await poll(() => page.getByText('burst.tool.529', { exact: true }).count()).toBeGreaterThan(0);
    // The page still answers a person: the search box takes a query.
    const search = page.getByRole('searchbox', { name: 'Search actions and details' });
    await search.fill('burst.tool.7');
    expect(await search.inputValue()).toBe('burst.tool.7');
  });
});
