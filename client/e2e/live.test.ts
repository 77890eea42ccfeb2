import { describe, expect, it } from 'vitest';
import { screenshotBoth, screenshotDir } from './helpers/browser';
import { agentPath, useDashboard, poll } from './helpers/fixture';
import { FRAUD, LOANS, SUPPORT, attempt } from './helpers/seed';
import { markPage } from './helpers/markPage';

// The dashboard updates live (nothing polls, nothing reloads) and its controls act on the real
// server: SDK calls made by the agents' code see the effect.

const dash = useDashboard();

/** Ticks (or unticks) one option of an Activity multi-select filter, then closes it. */
async function pick(label: string, option: string, on = true) {
  const menu = dash.page.getByTestId(`multi-${label}`);
  await menu.locator('summary').click();
  const box = menu.getByRole('checkbox', { name: option });
  // the box follows the URL, which updates a moment after the click
  if ((await box.isChecked()) !== on) await box.click();
  await poll(() => box.isChecked()).toBe(on);
  await menu.locator('summary').click();
}

/**
 * Holds the requests matching `url` until `release()`; `stop()` (in a finally) releases them and
 * removes the route once the test is done with it.
 */
async function holdRequests(url: string) {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await dash.page.route(url, async (route) => {
    await held;
    await route.continue();
  });
  return {
    release,
    stop: async () => {
      release();
      await dash.page.unroute(url);
    },
  };
}

describe('live updates and actions', () => {
  it('shows a new audit entry on /activity without a reload', async () => {
    await dash.page.goto(dash.srv.url + '/activity');
    await dash.page.getByTestId('audit-row').first().waitFor();
    const sameDocument = await markPage(dash.page);
    expect(
      await attempt(dash.seeded.aegis, SUPPORT, 'send_notification', {
        customer_id: 3,
        text: 'hi',
      }),
    ).toBe('RAN');
    const first = dash.page.getByTestId('audit-row').first();
    await poll(() => first.innerText()).toMatch(/ALLOWED[\s\S]*send_notification/);
    expect(await sameDocument()).toBe(true);
  });

  it('filters the audit log by agent', async () => {
    await dash.page.goto(dash.srv.url + '/activity');
    await dash.page.getByTestId('audit-row').first().waitFor();
    await pick('Filter by agent', LOANS);
    await dash.page.waitForURL(/agent=Loan/);
    const rows = dash.page.getByTestId('audit-row');
    await poll(() => rows.count()).toBe(3);
    for (const row of await rows.all()) expect(await row.innerText()).toContain(LOANS);
    await pick('Filter by status', 'BLOCKED');
    await poll(() => rows.count()).toBe(2);
    // by who wrote it: every row says so, and the filter keeps one source
    expect(await rows.first().getByTestId('audit-source').innerText()).toBe('decision');
    await dash.page.goto(dash.srv.url + '/activity');
    await rows.first().waitFor();
    await pick('Filter by source', 'People');
    await dash.page.waitForURL(/source=person/);
    const sources = async () => [
      ...new Set(await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-source')))),
    ];
    await poll(sources).toEqual(['person']);
    await pick('Filter by source', 'People', false);
  });

  it("flipping the kill-switch makes the agent's next call KILLED", async () => {
    await dash.page.goto(dash.srv.url + agentPath(FRAUD));
    const killSwitch = dash.page.getByRole('switch', { name: 'Kill-switch' });
    const heading = dash.page.getByRole('heading', { level: 1 });
    // It asks for an optional reason first, which goes into the record with the person's name.
    await killSwitch.click();
    const ask = dash.page.getByRole('form', { name: 'Stop agent' });
    await ask.getByRole('textbox', { name: 'Reason (optional)' }).fill('reads SSNs at night');
    await ask.getByRole('button', { name: 'Stop agent' }).click();
    // The switch moves at once; the badge changes when the server has confirmed.
    await heading.getByText('PAUSED').waitFor();
    expect(await killSwitch.getAttribute('aria-checked')).toBe('true');
    const feed = dash.page.getByRole('list', { name: `Activity of ${FRAUD}` });
    await poll(() => feed.getByTestId('audit-row').first().innerText()).toMatch(
      /PAUSED[\s\S]*person · admin[\s\S]*reads SSNs at night/,
    );
    expect(await attempt(dash.seeded.aegis, FRAUD, 'access_ssn', { customer_id: 1 })).toBe(
      'KILLED',
    );
    await poll(() => feed.getByTestId('audit-row').first().innerText()).toMatch(
      /KILLED[\s\S]*access_ssn/,
    );

    await killSwitch.click();
    await dash.page
      .getByRole('form', { name: 'Resume agent' })
      .getByRole('button', { name: 'Resume agent' })
      .click();
    await heading.getByText('ACTIVE').waitFor();
    expect(await attempt(dash.seeded.aegis, FRAUD, 'access_ssn', { customer_id: 1 })).toBe('RAN');
  });

  it('a request a LangGraph run is paused on says so; once decided and resumed, the queue says that too', async () => {
    await dash.page.goto(dash.srv.url + '/approvals');
    await dash.page.getByTestId('approval-card').first().waitFor();
    // What review by interrupt sends: the call, with the graph run it belongs to.
    const held = await dash.seeded.aegis.api.sdk.decide.mutate({
      agent: SUPPORT,
      action: 'close_account',
      args: { account_id: 1001 },
      run: { threadId: 'support-thread-42', toolCallId: 'call-7' },
    });
    expect(held.verdict).toBe('REVIEW');
    const card = dash.page.getByTestId('approval-card').filter({ hasText: 'close_account' });
    await poll(() => card.getByTestId('paused-run').innerText()).toMatch(
      /Run paused[\s\S]*support-thread-42[\s\S]*since/,
    );
    await screenshotBoth(dash.page, 'approval-paused-run', () =>
      card.getByTestId('paused-run').waitFor(),
    );
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await card.waitFor({ state: 'detached' });
    const recent = dash.page
      .getByRole('list', { name: 'Recently decided approvals' })
      .getByRole('listitem')
      .filter({ hasText: 'close_account' });
    await poll(() => recent.getByTestId('run-state').innerText()).toContain('run still paused');
    // The agent's resumer claims the run (as resumeOnDecision does); the queue updates live.
    await dash.seeded.aegis.api.sdk.markResumed.mutate({ id: held.approvalId! });
    await poll(() => recent.getByTestId('run-state').innerText()).toMatch(/run resumed/);
  });

  it('an approval from a waiting SDK call appears live; approving it lets the call complete', async () => {
    await dash.page.goto(dash.srv.url + '/approvals');
    await dash.page.getByTestId('approval-card').first().waitFor();
    const sameDocument = await markPage(dash.page);
    const call = attempt(
      dash.seeded.aegis,
      SUPPORT,
      'export_customer_list',
      { format: 'csv' },
      { timeoutMs: 45_000 },
    );
    const card = dash.page.getByTestId('approval-card').filter({ hasText: 'export_customer_list' });
    await card.waitFor();
    await dash.page
      .getByRole('status')
      .filter({ hasText: `${SUPPORT} wants to run export_customer_list` })
      .waitFor();
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    expect(await call).toBe('RAN');
    await card.waitFor({ state: 'detached' });
    expect(await sameDocument()).toBe(true);
  });

  it('"always block" turns the decision into a BLOCK rule shown on the agent page', async () => {
    await dash.page.goto(dash.srv.url + '/approvals');
    const call = attempt(
      dash.seeded.aegis,
      LOANS,
      'wire_transfer',
      { amount: 5000, to: 'ACC-9' },
      { timeoutMs: 45_000 },
    );
    const card = dash.page.getByTestId('approval-card').filter({ hasText: 'wire_transfer' });
    await card.getByRole('button', { name: 'Always block' }).click();
    await card.getByRole('alertdialog').getByRole('button', { name: 'Yes, always block' }).click();
    expect(await call).toBe('APPROVAL_DENIED');
    await card.waitFor({ state: 'detached' });

    await dash.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Agents' })
      .click();
    await dash.page.getByTestId('agent-card').filter({ hasText: LOANS }).click();
    await dash.page
      .getByRole('list', { name: 'Blocked actions' })
      .getByText('wire_transfer')
      .waitFor();
    expect(await attempt(dash.seeded.aegis, LOANS, 'wire_transfer', {})).toBe('BLOCKED');
  });

  it("an admin accepts an agent's proposed policy change, and the agent's next call is allowed", async () => {
    // the agent's code now declares an ALLOW it didn't have: after its first calls, that waits for an admin
    const answer = await dash.seeded.aegis.api.sdk.registerAgent.mutate({
      name: LOANS,
      allows: ['check_credit_score', 'get_transaction_history'],
      blocks: ['access_credit_card', 'delete_records'],
    });
    expect(answer.proposal?.changes).toEqual([
      { action: 'get_transaction_history', from: null, to: 'ALLOW' },
    ]);
    expect(
      await attempt(dash.seeded.aegis, LOANS, 'get_transaction_history', {}, { wait: false }),
    ).toBe('APPROVAL_PENDING');

    await dash.page.goto(dash.srv.url + '/approvals');
    const proposal = dash.page.getByTestId('proposal').filter({ hasText: LOANS });
    await proposal.getByText('get_transaction_history').waitFor();
    await proposal.getByRole('button', { name: 'Accept' }).click();
    await proposal.waitFor({ state: 'detached' });
    expect(await attempt(dash.seeded.aegis, LOANS, 'get_transaction_history', {})).toBe('RAN');
    await dash.page.goto(dash.srv.url + agentPath(LOANS));
    await dash.page
      .getByRole('list', { name: 'Allowed actions' })
      .getByText('get_transaction_history')
      .waitFor();
  });

  it('decides with keyboard shortcuts', async () => {
    await dash.page.goto(dash.srv.url + '/approvals');
    const pendingBefore = await dash.srv.api().approvals.pending.query();
    const call = attempt(
      dash.seeded.aegis,
      FRAUD,
      'close_account',
      { account: 'ACC-3' },
      { timeoutMs: 45_000 },
    );
    const card = dash.page.getByTestId('approval-card').filter({ hasText: 'close_account' });
    await card.waitFor();
    // The queue is oldest first: move down to the new request, then deny it.
    for (let i = 0; i < pendingBefore.length; i++) await dash.page.keyboard.press('j');
    await poll(() => card.getAttribute('aria-current')).toBe('true');
    await dash.page.keyboard.press('d');
    expect(await call).toBe('APPROVAL_DENIED');
  });

  it('lets an admin add and remove a policy rule', async () => {
    await dash.page.goto(dash.srv.url + agentPath(LOANS));
    const allowed = dash.page.getByRole('list', { name: 'Allowed actions' });
    await allowed.waitFor();
    await dash.page.getByRole('textbox', { name: 'Action name' }).fill('check_balance');
    await dash.page.getByRole('combobox', { name: 'Rule' }).selectOption('ALLOW');
    await dash.page.getByRole('button', { name: 'Set rule' }).click();
    await allowed.getByText('check_balance').waitFor();
    expect(await attempt(dash.seeded.aegis, LOANS, 'check_balance', { customer_id: 2 })).toBe(
      'RAN',
    );
    await dash.page.getByRole('button', { name: 'Remove allowed rule for check_balance' }).click();
    await dash.page
      .getByRole('button', { name: 'Confirm removing the allowed rule for check_balance' })
      .click();
    await allowed.getByText('check_balance').waitFor({ state: 'detached' });
  });

  it('searches the audit log', async () => {
    await dash.page.goto(dash.srv.url + '/activity');
    await dash.page.getByTestId('audit-row').first().waitFor();
    await dash.page.getByRole('searchbox', { name: 'Search actions and details' }).fill('wire_');
    await dash.page.waitForURL(/q=wire_/);
    const rows = dash.page.getByTestId('audit-row');
    await poll(async () => {
      const texts = await rows.allInnerTexts();
      return texts.length > 0 && texts.every((t) => t.includes('wire_transfer'));
    }).toBe(true);
  });

  it('pages through older history', async () => {
    // In rounds of 20: the server refuses tRPC batches of more than 50 calls.
    for (let round = 0; round < 3; round++) {
      const calls = Array.from({ length: 20 }, (_, i) =>
        attempt(dash.seeded.aegis, SUPPORT, 'lookup_balance', { customer_id: round * 20 + i }),
      );
      expect(new Set(await Promise.all(calls))).toEqual(new Set(['RAN']));
    }
    await dash.page.goto(dash.srv.url + '/activity');
    const rows = dash.page.getByTestId('audit-row');
    await poll(() => rows.count()).toBe(50);
    const newest = Number(await rows.first().getAttribute('data-id'));
    await dash.page.getByRole('button', { name: 'Load older entries' }).click();
    await poll(() => rows.count()).toBeGreaterThan(50);
    const ids = await rows.evaluateAll((els) =>
      els.map((el) => Number(el.getAttribute('data-id'))),
    );
    expect(ids[0]).toBe(newest);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a tab that was hidden shows what happened meanwhile', async () => {
    await dash.page.goto(dash.srv.url + '/activity');
    await dash.page.getByTestId('audit-row').first().waitFor();
    const setHidden = (hidden: boolean) =>
      dash.page.evaluate((h) => {
        Object.defineProperty(document, 'visibilityState', {
          value: h ? 'hidden' : 'visible',
          configurable: true,
        });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    expect(await attempt(dash.seeded.aegis, LOANS, 'check_credit_score', { customer_id: 77 })).toBe(
      'RAN',
    );
    await setHidden(false);
    await poll(() => dash.page.getByTestId('audit-row').first().innerText()).toContain(
      '"customer_id":77',
    );
    await dash.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  });

  it('shows an entry written after the list loaded but before the live stream connected', async () => {
    // Hold the audit stream's request until the entry exists: it is in neither the loaded list
    // nor (unless the stream starts with the last seconds' entries) the stream.
    const hold = await holdRequests('**/trpc/audit.onEntry*');
    try {
      await dash.page.goto(dash.srv.url + '/activity');
      await dash.page.getByTestId('audit-row').first().waitFor();
      expect(
        await attempt(dash.seeded.aegis, SUPPORT, 'lookup_balance', { customer_id: 4242 }),
      ).toBe('RAN');
      hold.release();
      await poll(() => dash.page.getByTestId('audit-row').first().innerText()).toContain(
        '"customer_id":4242',
      );
    } finally {
      await hold.stop();
    }
  });

  it('shows an approval opened after the page loaded but before the changes stream connected', async () => {
    // Hold the changes stream's request until the approval exists: it is in neither the loaded
    // list nor (unless the stream starts with the last seconds' events) the stream.
    const hold = await holdRequests('**/trpc/changes.onChange*');
    let call: Promise<string> | undefined;
    try {
      const listed = dash.page.waitForResponse((r) => r.url().includes('approvals.pending'));
      await dash.page.goto(dash.srv.url + '/approvals');
      await listed;
      call = attempt(
        dash.seeded.aegis,
        SUPPORT,
        'open_account',
        { customer_id: 4343 },
        { timeoutMs: 45_000 },
      );
      const api = dash.srv.api();
      await poll(async () =>
        JSON.stringify(await api.approvals.pending.query()).includes('4343'),
      ).toBe(true);
      hold.release();
      const card = dash.page.getByTestId('approval-card').filter({ hasText: '4343' });
      await card.waitFor();
      await card.getByRole('button', { name: 'Deny', exact: true }).click();
      expect(await call).toBe('APPROVAL_DENIED');
    } finally {
      await hold.stop();
    }
  });

  it('logged no console errors', () => {
    expect(dash.browser.errors).toEqual([]);
  });
});

describe('failed actions', () => {
  it("toast the server's message, e.g. when someone else decided first", async () => {
    await dash.page.goto(dash.srv.url + '/approvals');
    const call = attempt(
      dash.seeded.aegis,
      SUPPORT,
      'open_account',
      { customer_id: 9 },
      { timeoutMs: 45_000 },
    );
    const card = dash.page.getByTestId('approval-card').filter({ hasText: 'open_account' });
    await card.waitFor();
    const id = Number(await card.getAttribute('data-approval-id'));
    // Another reviewer denies it while this browser's approve is on its way.
    const other = dash.srv.api(dash.seeded.reviewerKey);
    await dash.page.route('**/trpc/approvals.decide*', async (route) => {
      await other.approvals.decide.mutate({ id, decision: 'DENIED' });
      await route.continue();
    });
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await dash.page
      .getByRole('alert')
      .filter({ hasText: `Approval #${id} was already denied` })
      .waitFor();
    expect(await call).toBe('APPROVAL_DENIED');
    await dash.page.unroute('**/trpc/approvals.decide*');
    // The dash.browser logs the refused request itself; nothing else may have gone wrong.
    expect(dash.browser.errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
  });
});

describe('a governance reset while the dashboard is open (issue 12, item 11)', () => {
  it('drops the deleted rows instead of showing them next to the new ones', async () => {
    await dash.page.goto(dash.srv.url + '/activity');
    const rows = dash.page.getByTestId('audit-row');
    await rows.first().waitFor();
    const ids = () =>
      rows.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-id'))));
    const deleted = await ids();
    expect(deleted.length).toBeGreaterThan(1);
    const sameDocument = await markPage(dash.page);

    // The seed's reset (what every `npm run demo` used to do; now `npm run demo -- --reset`).
    await dash.srv.api().demo.seed.mutate();
    await dash.seeded.aegis.agent(LOANS, { allows: ['check_credit_score'] }).register();
    expect(await attempt(dash.seeded.aegis, LOANS, 'check_credit_score', { customer_id: 5 })).toBe(
      'RAN',
    );

    // What is left: the reset's own entry (a person's action) and the new call, nothing older.
    await poll(() => rows.first().innerText()).toMatch(/ALLOWED[\s\S]*check_credit_score/);
    await poll(async () => (await ids()).filter((id) => deleted.includes(id))).toEqual([]);
    expect((await ids()).length).toBeLessThanOrEqual(2);
    await dash.page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Agents' })
      .click();
    await poll(() => dash.page.getByTestId('agent-card').allInnerTexts()).toEqual([
      expect.stringContaining(LOANS),
    ]);
    expect(await sameDocument()).toBe(true);
  });
});

describe('when the server goes away', () => {
  it('shows the live connection reconnecting and a banner saying the server is unreachable', async () => {
    await dash.page.goto(dash.srv.url + '/');
    await dash.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await dash.srv.server.stop();
    await dash.page.getByRole('alert').filter({ hasText: 'reach the Aegis server' }).waitFor();
    await dash.page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
    await dash.page.screenshot({ path: `${screenshotDir}/unreachable-desktop.png` });
  });
});
