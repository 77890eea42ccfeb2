import { describe, expect, it } from 'vitest';
import { poll, useDashboard } from './helpers/fixture';
import { LOANS } from './helpers/seed';

// Filtering Activity is a step of its own in the browser's history: Back undoes the last filter
// (the boxes and the search follow) instead of leaving Activity for the page before it.

const dash = useDashboard();

describe('Activity and the Back button', () => {
  it('undoes one filter per Back, the controls following the URL, and only then leaves', async () => {
    const { page, srv } = dash;
    await page.goto(srv.url + '/agents');
    await page.goto(srv.url + '/activity');
    const rows = page.getByTestId('audit-row');
    await rows.first().waitFor();
    const all = await rows.count();

    const agents = page.getByTestId('multi-Filter by agent');
    await agents.locator('summary').click();
    await agents.getByRole('checkbox', { name: LOANS }).click();
    await page.waitForURL((u) => u.searchParams.get('agent') === LOANS);
    await agents.locator('summary').click();
    const search = page.getByRole('searchbox', { name: 'Search actions and details' });
    await search.fill('credit');
    await page.waitForURL((u) => u.searchParams.get('q') === 'credit');
    await search.fill('credit_score');
    await page.waitForURL((u) => u.searchParams.get('q') === 'credit_score');
    await poll(() => rows.count()).toBe(1);

    // One Back: the search is gone (typing refined one step, it made no step per word).
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/activity' && !u.searchParams.has('q'));
    expect(new URL(page.url()).searchParams.get('agent')).toBe(LOANS);
    await poll(() => search.inputValue()).toBe('');
    await poll(() => rows.count()).toBeGreaterThan(1);

    // Another: the agent filter is undone, the box unticked.
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/activity' && u.search === '');
    await poll(() => rows.count()).toBe(all);
    expect(await agents.locator('summary').getAttribute('aria-label')).toBe(
      'Filter by agent: All agents',
    );

    // Forward redoes it; Back twice more leaves Activity for the page it was opened from.
    await page.goForward();
    await page.waitForURL((u) => u.searchParams.get('agent') === LOANS);
    await page.goBack();
    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/agents');
  });
});
