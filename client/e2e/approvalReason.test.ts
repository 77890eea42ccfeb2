import { describe, expect, it } from 'vitest';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { LOANS, attempt } from './helpers/seed';

// A reviewer at the queue saw who wanted to run what, but not why the call was held: the rule's
// reason ("A loan of 15000 is held for a person") was only on the audit entry, and the card did
// not link to that entry. The card now says why, prominently, and links to the entry.

const dash = useDashboard();
const POLICY = `kind: AgentPolicy
agent: ${LOANS}
rules:
  - id: big-loans
    actions: [approve_loan]
    when: args.amount > 10000
    effect: REVIEW
    reason: "A loan of {{ args.amount }} is held for a person"
`;

describe('an approval card', () => {
  it('says which rule held the call and why, and links to the REVIEW entry', async () => {
    const { page, srv, seeded } = dash;
    expect((await srv.api().policies.applyRules.mutate({ yaml: POLICY })).ok).toBe(true);
    await attempt(
      seeded.aegis,
      LOANS,
      'approve_loan',
      { amount: 15000, applicant: 'C-5' },
      { wait: false },
    );
    const held = (await srv.api().approvals.pending.query()).find(
      (a) => a.action === 'approve_loan',
    );
    expect(held?.auditId).toBeDefined();

    await page.goto(`${srv.url}/approvals`);
    const card = page.locator(`[data-testid="approval-card"][data-approval-id="${held!.id}"]`);
    await poll(() =>
      card
        .getByTestId('approval-reason')
        .innerText()
        .catch(() => ''),
    ).toBe('Held by rule big-loans: A loan of 15000 is held for a person');
    await expectAccessible(page);

    await card.getByRole('link', { name: `Audit entry #${held!.auditId}` }).click();
    await page.waitForURL(`${srv.url}/activity/${held!.auditId}`);
    await poll(() => page.getByTestId('entry-rule').innerText()).toContain('big-loans');
    expect(await page.locator('main').innerText()).toContain(
      'A loan of 15000 is held for a person',
    );
    expect(dash.browser.errors).toEqual([]);
  });
});
