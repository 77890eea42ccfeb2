import { describe, expect, it } from 'vitest';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { FRAUD, LOANS, attempt } from './helpers/seed';

// Paged at night, the Overview should name the agent in trouble: its Agents list was in name
// order with an all-time risk bar, so the agent blocking calls right now could sit at the bottom,
// and a stopped agent showed only as "1 paused" in a tile. Now the agents stopped by the
// kill-switch are named at the top (who stopped them, why), and the list puts them first, then
// the most blocked calls in the chosen range, each count a link to those calls.

const dash = useDashboard();

const rows = () => dash.page.getByTestId('overview-agent');
const firstRow = () => rows().first().innerText();

describe('the Overview during an incident', () => {
  it('ranks the agent blocking calls now first and names stopped agents at the top, live', async () => {
    const { page, srv, seeded } = dash;
    for (let i = 0; i < 4; i++) {
      expect(
        await attempt(seeded.aegis, LOANS, 'delete_records', { table: 'loans', batch: i }),
      ).toBe('BLOCKED');
    }
    await page.goto(`${srv.url}/`);
    await poll(firstRow).toMatch(new RegExp(`^${LOANS}\\s+[5-9] blocked`));
    expect(await page.getByTestId('paused-alert').count()).toBe(0);

    // Stopped elsewhere (the CLI, another reviewer): the open Overview says so without a reload.
    await srv
      .api()
      .agents.setStatus.mutate({ name: FRAUD, status: 'PAUSED', reason: 'flagging every account' });
    const alert = page.getByTestId('paused-alert');
    await poll(() => alert.innerText().catch(() => '')).toContain('1 agent is stopped');
    await poll(() => alert.innerText()).toMatch(
      new RegExp(`${FRAUD}\\s+Stopped by admin .*: flagging every account`),
    );
    await poll(firstRow).toContain(FRAUD);
    expect(await rows().first().innerText()).toContain('PAUSED');
    await expectAccessible(page);

    await srv.api().agents.setStatus.mutate({ name: FRAUD, status: 'ACTIVE' });
    await alert.waitFor({ state: 'detached' });
    await poll(firstRow).toContain(LOANS);

    // The count opens exactly those calls in Activity.
    await rows()
      .first()
      .getByRole('link', { name: /blocked$/ })
      .click();
    await page.waitForURL(/\/activity\?/);
    const params = new URL(page.url()).searchParams;
    expect(params.get('agent')).toBe(LOANS);
    expect(params.get('status')).toBe('BLOCKED');
    await poll(() => page.getByTestId('audit-row').count()).toBeGreaterThanOrEqual(5);
    expect(dash.browser.errors).toEqual([]);
  });
});
