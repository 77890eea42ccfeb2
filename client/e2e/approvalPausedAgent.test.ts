import { describe, expect, it } from 'vitest';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { SUPPORT } from './helpers/seed';

// An approval card of an agent whose kill-switch is on looked like any other: a reviewer working
// the queue at night could approve a stopped agent's call without knowing that the approval
// stays usable and the call runs once someone resumes the agent. The card now says so, live.

const dash = useDashboard();

describe('an approval of an agent stopped by the kill-switch', () => {
  it('says the agent is stopped and what approving then means, and stops saying it once resumed', async () => {
    const { page, srv, seeded } = dash;
    await page.goto(`${srv.url}/approvals`);
    const card = page.locator(
      `[data-testid="approval-card"][data-approval-id="${seeded.pendingApprovalId}"]`,
    );
    await card.waitFor();
    expect(await card.innerText()).toContain(SUPPORT);
    expect(await card.getByTestId('approval-agent-paused').count()).toBe(0);

    await srv
      .api()
      .agents.setStatus.mutate({ name: SUPPORT, status: 'PAUSED', reason: 'incident' });
    const note = card.getByTestId('approval-agent-paused');
    await poll(() => note.innerText().catch(() => '')).toBe(
      `${SUPPORT} is stopped by the kill-switch: its calls are refused while it is. Approved, this call can still run once someone resumes the agent.`,
    );
    await expectAccessible(page);

    await srv.api().agents.setStatus.mutate({ name: SUPPORT, status: 'ACTIVE' });
    await note.waitFor({ state: 'detached' });
    expect(dash.browser.errors).toEqual([]);
  });
});
