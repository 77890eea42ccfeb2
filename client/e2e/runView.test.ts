import { describe, expect, it } from 'vitest';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { SUPPORT } from './helpers/seed';

// "Same session": from one call to every call of the agent's run (the conversation or job its
// runId names) — the entry page showed neighbours of the agent, not of the run, and Activity had
// no way to ask for a run.

const dash = useDashboard();

describe('a run as a whole', () => {
  it('goes from an entry to exactly its run in Activity, as a filter to clear, share and export', async () => {
    const { page, srv, seeded } = dash;
    const call = (action: string, runId: string) =>
      seeded.aegis.call(SUPPORT, action, { customer_id: 3 }, () => 'done', { runId });
    await call('lookup_balance', 'chat-7');
    await call('lookup_balance', 'chat-8'); // another conversation, in between
    await call('get_transaction_history', 'chat-7');
    await seeded.aegis.flush();
    const { entries } = await srv.api().audit.list.query({ run: 'chat-7', limit: 10 });
    expect(entries.map((e) => e.action)).toEqual(['get_transaction_history', 'lookup_balance']);

    await page.goto(`${srv.url}/activity/${entries[0]!.id}`);
    const link = page.getByTestId('entry-run-link');
    await poll(() => link.isVisible()).toBe(true);
    await link.click();
    await page.waitForURL(
      (u) => u.pathname === '/activity' && u.searchParams.get('run') === 'chat-7',
    );
    const rows = page.getByTestId('audit-row');
    await poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(
      entries.map((e) => String(e.id)),
    );
    const exportHref = (await page.getByTestId('export-csv').getAttribute('href')) ?? '';
    expect(new URL(exportHref, srv.url).searchParams.get('run')).toBe('chat-7');
    await expectAccessible(page);

    // The filter is a chip like the others: clearing it shows the rest of the log again.
    await page.getByRole('button', { name: 'Remove filter run: chat-7' }).click();
    await page.waitForURL((u) => u.pathname === '/activity' && !u.searchParams.has('run'));
    await poll(() => rows.count()).toBeGreaterThan(entries.length);

    // A call made under no run has no such link.
    const [plain] = (
      await srv.api().audit.list.query({ agent: SUPPORT, action: 'delete_records', limit: 1 })
    ).entries;
    await page.goto(`${srv.url}/activity/${plain!.id}`);
    await poll(() => page.getByTestId('entry-around-link').isVisible()).toBe(true);
    expect(await page.getByTestId('entry-run-link').count()).toBe(0);
  });
});
