import { describe, expect, it } from 'vitest';
import { poll, useDashboard } from './helpers/fixture';
import { LOANS, attempt } from './helpers/seed';

// Activity says how many entries its filter holds ("1–50 of 2,318 entries"), and the count
// follows the calls that arrive live.

const dash = useDashboard();

describe('Activity counts what its filter holds', () => {
  it('shows "1–N of N" for a filter, and counts a new matching call as it arrives', async () => {
    const { page, srv, seeded } = dash;
    await page.goto(`${srv.url}/activity?agent=${encodeURIComponent(LOANS)}&status=BLOCKED`);
    const rows = page.getByTestId('audit-row');
    const count = page.getByTestId('activity-count');
    await poll(() => rows.count()).toBe(2);
    await poll(() => count.textContent()).toBe('1–2 of 2 entries');

    // A new blocked call of the agent: listed live, and counted with it.
    expect(await attempt(seeded.aegis, LOANS, 'delete_records', { table: 'applications' })).toBe(
      'BLOCKED',
    );
    await poll(() => rows.count()).toBe(3);
    await poll(() => count.textContent()).toBe('1–3 of 3 entries');

    // The unfiltered log: the same total the server counts (sign-ins left out, as listed).
    await page.goto(`${srv.url}/activity`);
    const total = await srv.api().audit.count.query({ signIns: 'exclude' });
    expect(total.exact).toBe(true);
    await poll(() => count.textContent()).toMatch(
      new RegExp(`^1–\\d+ of ${total.count.toLocaleString('en-US')} entries$`),
    );
  });
});
