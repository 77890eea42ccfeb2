import { describe, expect, it } from 'vitest';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { LOANS, attempt } from './helpers/seed';

// On call, from the entry of a blocked call: the agent's status now and its kill-switch are on
// the entry page (they were a page away, on the agent's), the switch works from the keyboard
// (Escape closed nothing: the reason form stayed open), and once it is on it says who turned it
// on, when and why, so whoever comes next knows whether to resume the agent.

const dash = useDashboard();

describe('the kill-switch from a blocked call’s entry', () => {
  it('stops and resumes the agent from the keyboard, saying who stopped it and why', async () => {
    const { page, srv, seeded } = dash;
    const api = srv.api();
    const { entries } = await api.audit.list.query({ agent: LOANS, status: ['BLOCKED'], limit: 1 });
    const id = entries[0]?.id;
    expect(id).toBeDefined();

    await page.goto(`${srv.url}/activity/${id}`);
    await poll(() => page.getByTestId('entry-agent-status').innerText()).toContain('ACTIVE');
    const toggle = page.getByRole('switch', { name: `Kill-switch of ${LOANS}` });
    await toggle.focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'Stop agent' });
    await form.waitFor();
    expect(
      await page.getByLabel('Reason (optional)').evaluate((el) => el === document.activeElement),
    ).toBe(true);

    // Escape: nothing happens, focus goes back to the switch.
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    expect(await toggle.evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await api.agents.byName.query({ name: LOANS })).agent.status).toBe('ACTIVE');

    await page.keyboard.press('Enter');
    await page.keyboard.type('deleting records at 3am');
    await page.keyboard.press('Enter');
    await poll(async () => (await api.agents.byName.query({ name: LOANS })).agent.status).toBe(
      'PAUSED',
    );
    expect(await attempt(seeded.aegis, LOANS, 'check_credit_score', { customer_id: 5 })).toBe(
      'KILLED',
    );
    await poll(() => page.getByTestId('entry-agent-status').innerText()).toContain('PAUSED');
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    await poll(() => page.getByTestId('paused-by').innerText()).toMatch(
      /^Stopped by admin .*: deleting records at 3am$/,
    );
    await expectAccessible(page);

    // The agent's page says the same.
    await page.getByRole('link', { name: LOANS, exact: true }).click();
    await poll(() => page.getByTestId('paused-by').innerText()).toContain(
      'deleting records at 3am',
    );

    // Undo from the entry again: Resume.
    await page.goBack();
    await toggle.click();
    await page
      .getByRole('form', { name: 'Resume agent' })
      .getByRole('button', { name: 'Resume agent' })
      .click();
    await poll(async () => (await api.agents.byName.query({ name: LOANS })).agent.status).toBe(
      'ACTIVE',
    );
    await poll(() => page.getByTestId('entry-agent-status').innerText()).toContain('ACTIVE');
    expect(await page.getByTestId('paused-by').count()).toBe(0);
    expect(await attempt(seeded.aegis, LOANS, 'check_credit_score', { customer_id: 5 })).toBe(
      'RAN',
    );
    expect(dash.browser.errors).toEqual([]);
  });
});
