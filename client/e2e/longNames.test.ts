import { describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { screenshotDir } from './helpers/browser';
import { apiClient } from './helpers/server';
import { agentPath, expectAccessible, poll, useDashboard } from './helpers/fixture';

// An agent named as teams name them, long and in snake_case, on a 390 px phone. Its name ran
// past the screen's edge in the Activity feed, the proposed policy changes and the recently
// decided approvals (the page 750 px wide, scrolling sideways); it now ends in an ellipsis in
// the feed (whole in its title, as the action beside it) and wraps at its joints elsewhere (the
// Overview's banner of calls waiting for approval included).

const dash = useDashboard();
const AGENT =
  'quarterly_regulatory_reconciliation_and_customer_data_export_agent_for_the_emea_region';
const TOOL = 'export_all_customer_records_with_full_transaction_history_to_external_partner_sftp';
const PHONE_390 = { width: 390, height: 844 };

describe('a very long agent name on a phone', () => {
  it('stays on the screen in Activity and Approvals', async () => {
    const { page, srv } = dash;
    const { key } = await srv
      .api()
      .keys.create.mutate({ name: 'emea', role: 'agent', agents: [AGENT] });
    const agent = apiClient(srv.url, key);
    await agent.sdk.registerAgent.mutate({ name: AGENT, allows: ['lookup'] });
    await agent.sdk.decide.mutate({ agent: AGENT, action: 'lookup', args: {} });
    // Its code now declares more than its policy allows: a proposal for an admin.
    const answer = await agent.sdk.registerAgent.mutate({ name: AGENT, allows: ['lookup', TOOL] });
    expect(answer.proposal).toBeTruthy();
    const first = await agent.sdk.decide.mutate({ agent: AGENT, action: TOOL, args: { batch: 1 } });
    await agent.sdk.decide.mutate({ agent: AGENT, action: TOOL, args: { batch: 2 } });
    expect(first.approvalId).not.toBeNull();
    await srv.api().approvals.decide.mutate({ id: first.approvalId!, decision: 'DENIED' });

    await page.setViewportSize(PHONE_390);
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    await page.goto(srv.url + '/approvals');
    await page.getByTestId('proposal').filter({ hasText: 'proposal #' }).waitFor();
    await page
      .getByRole('list', { name: 'Recently decided approvals' })
      .getByText('DENIED')
      .first()
      .waitFor();
    await page.getByTestId('approval-card').first().waitFor();
    expect(await width()).toBeLessThanOrEqual(PHONE_390.width);
    await expectAccessible(page);
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({
      path: path.join(screenshotDir, 'long-agent-approvals-390.png'),
      fullPage: true,
    });

    await page.goto(srv.url + '/activity');
    const agents = page.getByTestId('feed-agent').filter({ hasText: AGENT.slice(0, 20) });
    await poll(() => agents.count()).toBeGreaterThan(0);
    expect(await agents.first().getAttribute('title')).toBe(AGENT);
    expect(await width()).toBeLessThanOrEqual(PHONE_390.width);
    await expectAccessible(page);

    // The Overview's "waiting for approval" banner names the agent and the tool in full: wrapped.
    await page.goto(srv.url + '/');
    const waiting = page.getByTestId('pending-alert').filter({ hasText: 'wants' });
    await waiting.first().waitFor();
    expect((await waiting.first().innerText()).replace(/\s/g, '')).toContain(
      AGENT + 'wants' + TOOL,
    );
    expect(await width()).toBeLessThanOrEqual(PHONE_390.width);

    // Its own page (the name is the heading) and a call's entry (subtitle, "just before and after").
    await page.goto(srv.url + agentPath(AGENT));
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'ACTIVE' }).waitFor();
    expect(await width()).toBeLessThanOrEqual(PHONE_390.width);
    await page.goto(`${srv.url}/activity/${first.auditId}`);
    await page.getByTestId('entry-around-link').waitFor();
    expect(await width()).toBeLessThanOrEqual(PHONE_390.width);
  });
});
