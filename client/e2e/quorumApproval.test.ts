import { describe, expect, it } from 'vitest';
import { DESKTOP, screenshotBoth } from './helpers/browser';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { SUPPORT } from './helpers/seed';

// An approval two people must give, and a result a rule holds: the card says which rule asked,
// who approved so far, what one more approval (or a deny) does — and, to the person who approved
// already, that it waits for someone else (no second Approve that can only be refused, no
// "always allow" that would make no rule). A held result says the tool ran already and what
// Release and Withhold hand the agent.

const dash = useDashboard();

const POLICY = `kind: AgentPolicy
agent: "${SUPPORT}"
rules:
  - id: big-refunds
    actions: [issue_refund]
    when: args.amount > 500.0
    effect: REVIEW
    approval:
      quorum: 2
  - id: lookups
    actions: [lookup_customer]
    effect: ALLOW
  - id: hold-card-results
    on: result
    actions: [lookup_customer]
    when: dlp.found('card')
    effect: REVIEW
`;

describe('an approval that needs two people, and a held result', () => {
  it('says who approved, what happens next, and offers no second vote', async () => {
    const { page, srv, seeded } = dash;
    const admin = srv.api();
    expect((await admin.policies.applyRules.mutate({ yaml: POLICY })).ok).toBe(true);
    const refund = seeded.aegis
      .call(SUPPORT, 'issue_refund', { customer_id: 7, amount: 1200 }, () => 'refunded', {
        timeoutMs: 120_000,
      })
      .catch((e: unknown) => e);
    const pendingRefund = async () =>
      (await admin.approvals.pending.query()).find((a) => a.action === 'issue_refund');
    await poll(async () => (await pendingRefund())?.quorum).toBe(2);
    const id = (await pendingRefund())!.id;

    await page.goto(srv.url + '/approvals');
    const card = page.locator(`[data-approval-id="${id}"]`);
    await card.waitFor();
    expect(await card.getByTestId('approval-rule').innerText()).toBe('big-refunds');
    expect(await card.getByTestId('review-progress').innerText()).toMatch(
      /^0 of 2 approvals\s*·\s*2 different people must approve; one deny refuses it$/,
    );
    expect(await card.getByTestId('quorum-next').innerText()).toBe(
      'Your approval makes 1 of 2; it then waits for 1 more.',
    );
    // Only the vote that completes the quorum could make a standing rule.
    expect(await card.getByRole('button', { name: 'Always allow' }).count()).toBe(0);

    await card.getByRole('button', { name: 'Approve' }).click();
    // The undo window passes, the vote is counted: this person is told it waits for another.
    await card.getByTestId('undo-bar').waitFor({ state: 'detached' });
    // Not "Approved": the call can't run yet.
    await page
      .getByText('Your approval of issue_refund is counted: waiting for 1 more person')
      .waitFor();
    await poll(() =>
      card
        .getByTestId('quorum-next')
        .textContent({ timeout: 1000 })
        .catch(() => ''),
    ).toMatch(
      /^You approved\. It waits for 1 more person; a deny from anyone, you included, refuses it\.$/,
    );
    expect(await card.getByTestId('review-progress').innerText()).toMatch(
      /^1 of 2 approvals\s*·\s*\S+ (just now|\d+s ago)\s*·\s*2 different/,
    );
    expect(await card.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await card.getByRole('button', { name: 'Deny' }).count()).toBe(1);
    await expectAccessible(page);
    await screenshotBoth(page, 'approval-quorum-voted', () => card.waitFor());

    // The second person completes it; the call runs.
    await srv.api(seeded.reviewerKey).approvals.decide.mutate({ id, decision: 'APPROVED' });
    expect(await refund).toBe('refunded');
    await card.waitFor({ state: 'detached' });
  });

  it('says of a held result that the tool ran, and what Release and Withhold do', async () => {
    const { page, seeded } = dash;
    const lookup = seeded.aegis
      .call(
        SUPPORT,
        'lookup_customer',
        { customer_id: 7 },
        () => ({ card: '4111 1111 1111 1111' }),
        {
          timeoutMs: 120_000,
        },
      )
      .catch((e: unknown) => e);
    const card = page.getByTestId('approval-card').filter({ hasText: 'got a result from' });
    await card.waitFor();
    expect(await card.getByTestId('held-result-note').innerText()).toBe(
      'The tool already ran; a rule holds what it returned. Release: the agent gets the result as the tool returned it, values masked here included. Withhold: the agent gets a refusal instead.',
    );
    expect(await card.innerText()).not.toContain('4111 1111');
    // ux13: which rule holds it, as a call's card says (it said no rule at all)
    expect(await card.getByTestId('approval-rule').innerText()).toBe('hold-card-results');
    // and its waiting time sits on the title's row, as on a call's card (the note pushed it below)
    await page.setViewportSize({ width: 1440, height: 900 });
    const title = await card.getByRole('heading', { level: 2 }).boundingBox();
    const badge = await card.getByTestId('approval-age').boundingBox();
    expect(badge!.y).toBeLessThan(title!.y + title!.height);
    await page.setViewportSize(DESKTOP);
    // While it waits, the call's own entry says its result is held (no entry names the approval
    // until a person decides: the page said nothing of it)
    const allowed = await dash.srv
      .api()
      .audit.list.query({ agent: SUPPORT, action: 'lookup_customer', status: ['ALLOWED'] });
    await page.goto(`${dash.srv.url}/activity/${allowed.entries[0]!.id}`);
    await poll(() => page.getByRole('region', { name: 'The entry' }).innerText()).toMatch(
      /Approval\s+#\d+ · result held for a reviewer \(the tool ran; the agent waits\)/,
    );
    await page.goto(dash.srv.url + '/approvals');
    await card.getByRole('button', { name: 'Withhold' }).click();
    expect(await lookup).toMatchObject({ code: expect.any(String) });
    // ux13: the call's trace in Activity says what the person did to the result
    await page.goto(dash.srv.url + '/activity');
    const trace = page
      .getByTestId('audit-row')
      .filter({ hasText: 'lookup_customer' })
      .getByTestId('trace')
      .first();
    await poll(() => trace.innerText()).toMatch(/→ result withheld by \S+/);
    // and the decision's entry names the approval's state the same way
    await trace.locator('summary').click();
    await trace.getByRole('link').last().click();
    await poll(() => page.getByRole('region', { name: 'The entry' }).innerText()).toMatch(
      /Approval\s+#\d+ · result withheld by \S+/,
    );
    expect(dash.browser.errors).toEqual([]);
  });
});
