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
});
