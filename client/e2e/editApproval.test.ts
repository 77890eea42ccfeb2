import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotBoth, signIn, type Browser } from './helpers/browser';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { FRAUD } from './helpers/seed';

// "Edit & approve": an admin approves a held call with changed arguments. The editor starts from
// the real (revealed, audited) arguments, the reviewer sees what they changed before confirming,
// and the waiting SDK call runs with the edited arguments.

const dash = useDashboard();
const PHONE_390 = { width: 390, height: 844 };
const ASKED = { customer_id: 7, amount: 50_000, card: '4111 1111 1111 1111', memo: 'goodwill' };

describe('edit & approve (admin)', () => {
  it('edits the real arguments, shows the changes, and the waiting call runs with them', async () => {
    const { page, srv, seeded } = dash;
    await page.goto(srv.url + '/approvals');
    await page.getByTestId('approval-card').first().waitFor();
    const ran: Array<Record<string, unknown>> = [];
    const call = seeded.aegis.call(
      FRAUD,
      'refund_payment',
      ASKED,
      (args) => {
        ran.push(args);
        return 'refunded';
      },
      { timeoutMs: 90_000 },
    );
    const card = page.getByTestId('approval-card').filter({ hasText: 'refund_payment' });
    await card.waitFor();
    const id = Number(await card.getAttribute('data-approval-id'));
    // The card shows the card number masked…
    expect(await card.locator('pre').first().innerText()).toContain('************1111');

    // …the editor starts from the real one, and revealing it is on the record.
    await card.getByRole('button', { name: 'Edit & approve' }).click();
    const editor = card.getByRole('textbox', { name: `Edited arguments of request ${id} (JSON)` });
    await poll(() => editor.inputValue()).toContain('4111 1111 1111 1111');
    expect(JSON.parse(await editor.inputValue())).toEqual(ASKED);
    // The card itself goes on showing the call masked, as the agent asked it.
    expect(await card.locator('pre').first().innerText()).toContain('************1111');
    const reveals = await srv.api().audit.list.query({ agent: FRAUD, action: 'aegis:reveal-args' });
    expect(reveals.entries.some((e) => e.approvalId === id)).toBe(true);
    await expectAccessible(page);

    // Invalid JSON: said inline, nothing sent.
    const problem = card.getByTestId('edit-problem');
    await editor.fill('{"customer_id": 7, "amount": 500,');
    await card.getByRole('button', { name: 'Review changes' }).click();
    await poll(() => problem.innerText()).toMatch(/^Not valid JSON/);
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await screenshotBoth(page, 'edit-approve-invalid', () => problem.waitFor(), PHONE_390);
    // Not an object.
    await editor.fill('[1, 2]');
    await card.getByRole('button', { name: 'Review changes' }).click();
    await poll(() => problem.innerText()).toContain('must be a JSON object');
    // Unchanged, key order aside: that is a plain approval.
    await editor.fill(
      JSON.stringify({
        memo: 'goodwill',
        card: '4111 1111 1111 1111',
        amount: 50_000,
        customer_id: 7,
      }),
    );
    await card.getByRole('button', { name: 'Review changes' }).click();
    await poll(() => problem.innerText()).toContain('Use Approve');

    // Masked text pasted back in: warned, and confirming needs an explicit yes.
    await editor.fill(JSON.stringify({ ...ASKED, card: '************1111' }));
    await card.getByRole('button', { name: 'Review changes' }).click();
    const warning = card.getByTestId('mask-warning');
    await poll(() => warning.innerText()).toContain('/card');
    const approve = card.getByRole('button', { name: 'Approve with these arguments' });
    expect(await approve.isDisabled()).toBe(true);
    await screenshotBoth(page, 'edit-approve-masked', () => warning.waitFor(), PHONE_390);
    await warning.getByRole('checkbox').check();
    expect(await approve.isDisabled()).toBe(false);
    await card.getByRole('button', { name: 'Back to editing' }).click();

    // The real edit: a smaller refund, without the memo, with a note.
    const { memo: _memo, ...rest } = ASKED;
    const edited = { ...rest, amount: 500, note: 'capped by the reviewer' };
    await editor.fill(JSON.stringify(edited, null, 2));
    await card.getByRole('button', { name: 'Review changes' }).click();
    const changes = card
      .getByRole('list', { name: `Changes to the arguments of request ${id}` })
      .getByTestId('arg-change');
    await poll(() => changes.count()).toBe(3);
    expect(
      await changes.evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-change'), r.textContent]),
      ),
    ).toEqual([
      ['changed', expect.stringMatching(/\/amount.*50000.*500/)],
      ['removed', expect.stringMatching(/\/memo.*"goodwill"/)],
      ['added', expect.stringMatching(/\/note.*"capped by the reviewer"/)],
    ]);
    expect(await approve.isDisabled()).toBe(false);
    await card
      .getByRole('textbox', { name: `Comment on request ${id} (optional)` })
      .fill('refund capped at 500');
    await expectAccessible(page);
    await screenshotBoth(page, 'edit-approve-review', () => changes.first().waitFor(), PHONE_390);
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    await expectAccessible(page);
    await screenshotBoth(
      page,
      'edit-approve-review-dark',
      () => changes.first().waitFor(),
      PHONE_390,
    );
    await page.getByRole('button', { name: 'Switch to light mode' }).click();

    // A one-key decision would approve the call as asked: `a` does nothing while editing.
    await approve.focus();
    await page.keyboard.press('a');
    expect(await card.getByTestId('undo-bar').count()).toBe(0);

    await approve.click();
    expect(await call).toBe('refunded');
    expect(ran).toEqual([edited]);
    await card.waitFor({ state: 'detached' });
    const recent = page
      .getByRole('list', { name: 'Recently decided approvals' })
      .getByRole('listitem')
      .filter({ hasText: 'refund_payment' });
    await poll(() => recent.innerText()).toMatch(/with edited arguments/);

    // The record: masked for everyone, with the changed fields.
    const approval = await srv.api(seeded.viewerKey).approvals.byId.query({ id });
    expect(approval).toMatchObject({ status: 'APPROVED', comment: 'refund capped at 500' });
    expect(approval.editedArgs).toMatchObject({ amount: 500, card: '************1111' });
    expect(approval.edits).toEqual([
      { path: '/amount', change: 'changed' },
      { path: '/memo', change: 'removed' },
      { path: '/note', change: 'added' },
    ]);

    // The entry of the run says it ran with edited arguments, and what changed.
    const log = await srv
      .api()
      .audit.list.query({ agent: FRAUD, action: 'refund_payment', status: ['ALLOWED'] });
    const ranEntry = log.entries.find((e) => e.approvalId === id)!;
    await page.goto(`${srv.url}/activity/${ranEntry.id}`);
    const section = page.getByTestId('edited-args');
    await section.getByTestId('arg-change').first().waitFor();
    expect(await section.innerText()).toMatch(
      /changed 3 fields when approving request #\d+: the agent ran the edited call \(this entry\)/,
    );
    await page.getByRole('heading', { name: /Arguments it ran with \(edited\)/ }).waitFor();
    expect(await page.getByTestId('entry-args').innerText()).toContain('"amount": 500');
    const notes = await page.getByTestId('trace-note').allInnerTexts();
    expect(notes.join(' | ')).toMatch(
      /approved by .* with edited arguments.*\| ran with the edited arguments/,
    );
    await screenshotBoth(page, 'edit-approve-entry', () => section.waitFor(), PHONE_390);
  });

  it('is not offered where a quorum must approve: the others would never see the edited call', async () => {
    const admin = dash.srv.api();
    await admin.sdk.registerAgent.mutate({ name: 'Treasury', allows: ['read'] });
    await admin.policies.applyRules.mutate({
      yaml: 'kind: AgentPolicy\nagent: Treasury\nrules:\n  - id: two-person-wires\n    actions: [wire]\n    effect: REVIEW\n    approval:\n      quorum: 2\n',
    });
    const opened = await admin.sdk.decide.mutate({
      agent: 'Treasury',
      action: 'wire',
      args: { amount: 75_000 },
    });
    await dash.page.goto(dash.srv.url + '/approvals');
    const card = dash.page.locator(`[data-approval-id="${opened.approvalId}"]`);
    await card.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    expect(await card.getByRole('button', { name: 'Edit & approve' }).count()).toBe(0);
    expect(await card.getByTestId('edit-off-quorum').innerText()).toContain(
      'needs 2 people to approve',
    );
    await screenshotBoth(
      dash.page,
      'edit-approve-quorum',
      () => card.getByTestId('edit-off-quorum').waitFor(),
      PHONE_390,
    );
    // A first vote elsewhere: the card stays open on this page, with the vote counted, live.
    await dash.srv
      .api(dash.seeded.reviewerKey)
      .approvals.decide.mutate({ id: opened.approvalId!, decision: 'APPROVED' });
    await poll(() => card.innerText()).toContain('1 of 2 approvals');
    expect(await card.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(1);
  });

  it("is not offered for a seed client's request: it runs the arguments it asked with", async () => {
    const admin = dash.srv.api();
    await admin.sdk.registerAgent.mutate({
      name: 'SeedTeller',
      allows: ['read'],
      review: ['wire'],
    });
    // the seed's Python SDK asks over REST and polls; it can't be handed edited arguments
    const res = await fetch(`${dash.srv.url}/api/sdk/approval`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dash.srv.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        agent_name: 'SeedTeller',
        action: 'wire',
        args_json: '{"amount":1200}',
      }),
    });
    const { approval_id: id } = (await res.json()) as { approval_id: number };
    await dash.page.goto(dash.srv.url + '/approvals');
    const card = dash.page.locator(`[data-approval-id="${id}"]`);
    await card.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    expect(await card.getByRole('button', { name: 'Edit & approve' }).count()).toBe(0);
    expect(await card.getByTestId('edit-off-seed').innerText()).toContain('seed REST protocol');
    expect(await card.getByTestId('edit-off-quorum').count()).toBe(0);
  });

  it('logged no console errors', () => {
    expect(dash.browser.errors).toEqual([]);
  });
});

describe('edit & approve (reviewer, viewer)', () => {
  let other: Browser;
  beforeAll(async () => {
    other = await launchBrowser();
  });
  afterAll(async () => {
    await other?.close();
  });

  it('a reviewer decides the call but gets no "Edit & approve"', async () => {
    await signIn(other.page, dash.srv.url, dash.seeded.reviewerKey);
    await other.page.goto(dash.srv.url + '/approvals');
    const card = other.page.locator(`[data-approval-id="${dash.seeded.pendingApprovalId}"]`);
    await card.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    expect(await other.page.getByRole('button', { name: 'Edit & approve' }).count()).toBe(0);
    expect(await other.page.getByTestId('edit-off-quorum').count()).toBe(0);
  });

  it('a viewer sees that a call ran with edited arguments, with sensitive values masked', async () => {
    await signIn(other.page, dash.srv.url, dash.seeded.viewerKey);
    const log = await dash.srv
      .api()
      .audit.list.query({ agent: FRAUD, action: 'refund_payment', status: ['ALLOWED'] });
    await other.page.goto(`${dash.srv.url}/activity/${log.entries[0]!.id}`);
    const section = other.page.getByTestId('edited-args');
    await section.getByTestId('arg-change').first().waitFor();
    const page = await other.page.locator('main').innerText();
    expect(page).toContain('Approved with edited arguments');
    expect(page).toContain('************1111');
    expect(page).not.toContain('4111 1111');
    expect(other.errors).toEqual([]);
  });
});
