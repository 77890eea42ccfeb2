import { describe, expect, it } from 'vitest';
import { poll, useDashboard } from './helpers/fixture';
import { LOANS, attempt } from './helpers/seed';

// Handing over at the end of a shift: the Activity URL kept the filters but a preset range is
// relative ("last 24 hours" of whenever the link is opened), and the list grows with every new
// call, so the next person saw something else than what was handed over. "Copy link" copies the
// same filters with the time pinned: the entries seen now, and not the ones that came after.

const dash = useDashboard();

describe('Copy link on Activity', () => {
  it('copies the filters with the time pinned, so the link shows what was seen, not newer calls', async () => {
    const { page, srv, seeded, browser } = dash;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: srv.url,
    });
    await page.goto(
      `${srv.url}/activity?agent=${encodeURIComponent(LOANS)}&status=BLOCKED&range=24h`,
    );
    const rows = page.getByTestId('audit-row');
    await poll(() => rows.count()).toBeGreaterThan(0);
    const seen = await rows.count();

    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    const copied = new URL(await page.evaluate(() => navigator.clipboard.readText()));
    expect(copied.pathname).toBe('/activity');
    const p = copied.searchParams;
    expect(p.get('agent')).toBe(LOANS);
    expect(p.get('status')).toBe('BLOCKED');
    expect(p.has('range')).toBe(false);
    const from = Date.parse(p.get('from') ?? '');
    const to = Date.parse(p.get('to') ?? '');
    expect(to - from).toBeGreaterThanOrEqual(24 * 3600_000);

    // A call after the hand-over: the live page shows it, the copied link does not.
    expect(await attempt(seeded.aegis, LOANS, 'delete_records', { table: 'after-handover' })).toBe(
      'BLOCKED',
    );
    await poll(() => rows.count()).toBe(seen + 1);
    await page.goto(copied.toString());
    await poll(() => page.getByText(`1–${seen} of ${seen} entries`).count()).toBe(1);
    expect(await rows.count()).toBe(seen);
    expect(await page.getByText('after-handover').count()).toBe(0);
    expect(dash.browser.errors).toEqual([]);
  });
});
