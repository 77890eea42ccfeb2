import { describe, expect, it } from 'vitest';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { SUPPORT, attempt } from './helpers/seed';

// An incident, from the entry of a blocked call: the rule that decided it is one click away (it
// was named but not linked: the analyst had to find it on another page), and so are the agent's
// other calls around that time in Activity, where they filter and export (the entry showed a
// handful of neighbours and nothing more).

const dash = useDashboard();
const RULE = 'no-cards-out';
const GLOBAL = `kind: GlobalPolicy
rules:
  - id: ${RULE}
    actions: [send_notification]
    when: dlp.found('card')
    effect: BLOCK
    reason: A card number may not be sent out of the bank
`;

describe('from a blocked entry with a DLP finding', () => {
  it('links to its deciding rule, lit on the Global rules page, and to the agent’s calls around it', async () => {
    const { page, srv, seeded } = dash;
    expect((await srv.api().policies.applyRules.mutate({ yaml: GLOBAL })).ok).toBe(true);
    const args = { customer_id: 5, message: 'Your card 4111 1111 1111 1111 was reported lost.' };
    expect(await attempt(seeded.aegis, SUPPORT, 'send_notification', args)).toBe('BLOCKED');
    const { entries } = await srv.api().audit.list.query({ rule: RULE, limit: 5 });
    const id = entries[0]?.id;
    expect(id).toBeDefined();

    await page.goto(`${srv.url}/activity/${id}`);
    await poll(() => page.getByTestId('entry-rule').innerText()).toContain(RULE);
    await page.getByTestId('entry-rule-link').click();
    await page.waitForURL(`${srv.url}/rules#rule-${RULE}`);
    const row = page.getByTestId('rule-row').and(page.locator('[aria-current="location"]'));
    await poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('rule-id').innerText()).toBe(RULE);
    expect(await row.isVisible()).toBe(true);
    await expectAccessible(page);

    // Back on the entry: the rule's other calls, then the agent's calls around this one.
    await page.goBack();
    await page.getByRole('link', { name: 'Other calls this rule decided' }).click();
    await page.waitForURL((u) => u.pathname === '/activity' && u.searchParams.get('rule') === RULE);
    await poll(() => page.getByTestId('audit-row').first().getAttribute('data-id')).toBe(
      String(id),
    );

    await page.goBack();
    await page.getByTestId('entry-around-link').click();
    await page.waitForURL(
      (u) => u.pathname === '/activity' && u.searchParams.get('agent') === SUPPORT,
    );
    const url = new URL(page.url());
    const at = Date.parse(entries[0]!.timestamp);
    expect(Date.parse(url.searchParams.get('from') ?? '')).toBeLessThan(at);
    expect(Date.parse(url.searchParams.get('to') ?? '')).toBeGreaterThan(at);
    const rows = page.getByTestId('audit-row');
    await poll(() =>
      rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))),
    ).toContain(String(id));
    // Every row is the agent's; the export follows the filter.
    const exportLink = page.getByTestId('export-csv');
    const href = (await exportLink.getAttribute('href')) ?? '';
    expect(new URL(href, srv.url).searchParams.get('agent')).toBe(SUPPORT);
    await expectAccessible(page);
  });

  it('says whether the deciding rule still reads as it did, and shows it as it decided', async () => {
    const { page, srv } = dash;
    const { entries } = await srv.api().audit.list.query({ rule: RULE, limit: 1 });
    const id = entries[0]!.id;
    const decidedIn = (await srv.api().audit.detail.query({ id })).entry.rule!.version;
    await page.goto(`${srv.url}/activity/${id}`);
    const since = page.getByTestId('rule-since');
    await poll(() => since.innerText()).toBe(
      `The policy is still v${decidedIn}: the rule reads as it decided.`,
    );

    // The rule is loosened afterwards: the entry says so, and shows the rule that decided.
    await srv.api().policies.applyRules.mutate({
      yaml: GLOBAL.replace("dlp.found('card')", "dlp.found('card') && args.customer_id > 100"),
      message: 'only business customers',
    });
    await page.reload();
    await poll(() => since.innerText()).toMatch(
      new RegExp(`^This rule has changed since: the policy is now v${decidedIn + 1}\\.`),
    );
    const asDecided = since.getByTestId('rule-as-decided');
    expect(await asDecided.getByTestId('rule-row').count()).toBe(1);
    expect(await asDecided.getByRole('cell', { name: "dlp.found('card')" }).count()).toBe(1);
    expect(await asDecided.innerText()).not.toContain('customer_id > 100');
    expect(await page.getByTestId('entry-rule').innerText()).toContain(`v${decidedIn}`);
    await expectAccessible(page);

    // Removed: said so, still shown as it decided.
    await srv.api().policies.applyRules.mutate({
      yaml: 'kind: GlobalPolicy\nrules:\n  - id: other\n    actions: [x]\n    effect: BLOCK\n',
    });
    await page.reload();
    await poll(() => since.innerText()).toMatch(/^This rule has been removed since/);
    expect(await asDecided.innerText()).toContain("dlp.found('card')");
  });

  it('reads times one way: the neighbours to the second like the entry, counts back with the time on hover', async () => {
    const { page, srv, seeded } = dash;
    const { entries } = await srv.api().audit.list.query({ agent: SUPPORT, limit: 3 });
    await page.goto(`${srv.url}/activity/${entries[1]!.id}`);
    const near = page.getByRole('list', { name: 'Neighbouring entries' }).locator('time');
    await poll(() => near.count()).toBeGreaterThan(1);
    // Before: "43m ago" under an entry whose own time reads "Dec 7, 2026, 07:36:16 AM UTC".
    for (const time of await near.all()) {
      const text = await time.innerText();
      expect(text).not.toMatch(/ago|just now/);
      expect(text).toMatch(/\d{2}:\d{2}:\d{2}/);
    }

    // Approvals' "Recently decided" counts back, with the exact zoned time a hover away.
    await srv
      .api(seeded.reviewerKey)
      .approvals.decide.mutate({ id: seeded.pendingApprovalId, decision: 'DENIED' });
    await page.goto(`${srv.url}/approvals`);
    const decided = page.getByRole('list', { name: 'Recently decided approvals' }).locator('time');
    await poll(() => decided.count()).toBeGreaterThan(0);
    expect(await decided.first().innerText()).toMatch(/ago|just now/);
    expect(await decided.first().getAttribute('title')).toMatch(/\d{2}:\d{2}:\d{2}\b.* \S+$/);
    // And the agent's tools, last used.
    await page.goto(`${srv.url}/agents/${encodeURIComponent(SUPPORT)}`);
    const used = page.getByRole('region', { name: 'Tools used' }).locator('time');
    await poll(() => used.count()).toBeGreaterThan(0);
    expect(await used.first().getAttribute('title')).toMatch(/\d{2}:\d{2}:\d{2}\b.* \S+$/);
  });
});
