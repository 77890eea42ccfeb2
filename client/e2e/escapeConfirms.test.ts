import { describe, expect, it } from 'vitest';
import { agentPath, poll, useDashboard } from './helpers/fixture';
import { SUPPORT } from './helpers/seed';

// Keyboard-only: the confirmations that change a policy ("Always block" on an approval, removing
// a rule on an agent's page) ignored Escape, and removing a rule left focus on the page's body
// (the × that asked was gone), so a keyboard user had to find their way back with Tab.

const dash = useDashboard();
const focusedName = () =>
  dash.page.evaluate(
    () =>
      document.activeElement?.getAttribute('aria-label') ??
      document.activeElement?.textContent?.trim(),
  );

describe('Escape in the policy confirmations', () => {
  it('cancels “Always block” on an approval, nothing decided, focus back on Approve', async () => {
    const { page, srv, seeded } = dash;
    await page.goto(`${srv.url}/approvals`);
    const card = page.locator(
      `[data-testid="approval-card"][data-approval-id="${seeded.pendingApprovalId}"]`,
    );
    await card.getByRole('button', { name: 'Always block' }).click();
    const confirm = card.getByRole('alertdialog', { name: 'Confirm standing rule' });
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await poll(focusedName).toContain('Approve');
    const pending = await srv.api().approvals.pending.query();
    expect(pending.map((a) => a.id)).toContain(seeded.pendingApprovalId);
  });

  it('cancels removing a rule, focus back on its ×, the rule kept; Enter, Enter removes it', async () => {
    const { page, srv } = dash;
    await page.goto(srv.url + agentPath(SUPPORT));
    const remove = page.getByRole('button', { name: 'Remove blocked rule for delete_records' });
    await remove.focus();
    await page.keyboard.press('Enter');
    const question = page.getByRole('group', { name: 'Remove the rule for delete_records?' });
    await question.waitFor();
    expect(await focusedName()).toBe('Confirm removing the blocked rule for delete_records');
    await page.keyboard.press('Escape');
    await question.waitFor({ state: 'detached' });
    await poll(focusedName).toBe('Remove blocked rule for delete_records');
    expect((await srv.api().agents.byName.query({ name: SUPPORT })).policy.blocked).toContain(
      'delete_records',
    );

    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await poll(
      async () => (await srv.api().agents.byName.query({ name: SUPPORT })).policy.blocked,
    ).not.toContain('delete_records');
    expect(dash.browser.errors).toEqual([]);
  });
});
