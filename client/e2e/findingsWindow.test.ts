import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from './helpers/server';
import { poll, useDashboard } from './helpers/fixture';
import { LOANS } from './helpers/seed';

// ux13: investigating "a card number went out yesterday" from the Overview. The sensitive-data
// chips count the range's calls, and open Activity over that same range (they opened all time:
// 2 card calls on the chip, 5 in the list it opened); a detector the Activity menu doesn't list
// (a secret's) shows as the menu's choice instead of "Any data" over a filtered list; and the
// decisions chart shows 4-digit counts whole (its axis cut 1200 to "200"); the per-agent chart
// shows a long agent name's start (it showed "on-assistant-eu-west", its start off the edge).

const dash = useDashboard({ reportMaxAgeMs: 7 * 86_400_000 });
const CARD = '4111 1111 1111 1111';
const GITHUB_TOKEN = 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const BULK = 1000;
const LONG_NAME = 'billing-reconciliation-assistant-eu-west';

type Batch = Parameters<ReturnType<typeof apiClient>['sdk']['recordBatch']['mutate']>[0];
type Entry = NonNullable<Batch['entries']>[number];
const allowed = (key: string, at: number, args: Record<string, unknown>): Entry => ({
  entryKey: `findings-window-${key}`,
  agent: LOANS,
  action: 'check_credit_score',
  status: 'ALLOWED',
  details: "Policy allows 'check_credit_score'",
  callId: `findings-window-${key}`,
  args,
  decidedAt: new Date(at).toISOString(),
  policyVersion: 1,
  rule: { id: 'seed-allowed', scope: 'agent', version: 1 },
});

beforeAll(async () => {
  const key = await dash.srv.api().keys.create.mutate({ name: 'loans-local', role: 'agent', agents: [LOANS] });
  const now = Date.now();
  const twoDaysAgo = now - 2 * 86_400_000;
  // Calls two days ago were decided with a policy that existed then (the server refuses reports
  // dated before their policy version).
  await dash.srv.server.store.connection
    .collection('policy_versions')
    .updateMany({ agent: LOANS }, { $set: { at: new Date(twoDaysAgo - 86_400_000) } });
  const agent = apiClient(dash.srv.url, key.key);
  const old = [0, 1, 2].map((i) => allowed(`old-card-${i}`, twoDaysAgo + i * 60_000, { customer_id: 40 + i, note: `card ${CARD}` }));
  const today = [
    allowed('card-0', now, { customer_id: 50, note: `card ${CARD}` }),
    allowed('card-1', now, { customer_id: 51, note: `card ${CARD}` }),
    allowed('token', now, { customer_id: 52, note: `token ${GITHUB_TOKEN}` }),
  ];
  expect((await agent.sdk.recordBatch.mutate({ entries: [...old, ...today] })).stored).toBe(6);
  // an agent whose long name shares its ending with no one's, on the per-agent chart
  const admin = dash.srv.api();
  await admin.sdk.registerAgent.mutate({ name: LONG_NAME, allows: ['fetch'] });
  await admin.sdk.decide.mutate({ agent: LONG_NAME, action: 'fetch', args: {} });
  const bulk = Array.from({ length: BULK }, (_, i) => allowed(`bulk-${i}`, now, { customer_id: 1000 + i }));
  expect((await agent.sdk.recordBatch.mutate({ entries: bulk })).stored).toBe(BULK);
}, 60_000);

const rows = () => dash.page.getByTestId('audit-row');
const detectorMenu = () => dash.page.getByRole('combobox', { name: 'Filter by sensitive data' });
const chosen = () => detectorMenu().evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text);

describe('Overview: sensitive data seen', () => {
  it("a chip opens Activity over the chip's range: the calls it counted, not the older ones", async () => {
    await dash.page.goto(dash.srv.url + '/?range=24h');
    const chip = dash.page.getByTestId('finding-counts').locator('[data-detector="card"]');
    await poll(() => chip.innerText()).toMatch(/^card\s*2$/);
    await chip.click();
    await dash.page.waitForURL((u) => u.pathname === '/activity' && u.searchParams.get('detector') === 'card');
    expect(new URL(dash.page.url()).searchParams.get('from')).toBeTruthy();
    await poll(() => rows().count()).toBe(2);
    expect(await chosen()).toBe('Card number');
    // the older calls are a change of range away, not lost
    await dash.page.getByRole('combobox', { name: 'Time range' }).selectOption('all');
    await poll(() => rows().count()).toBe(5);
  });

  it("a detector the Activity menu doesn't list shows as the menu's choice, not as \"Any data\"", async () => {
    await dash.page.goto(dash.srv.url + '/?range=24h');
    const chip = dash.page.getByTestId('finding-counts').locator('[data-detector="github_token"]');
    await poll(() => chip.innerText()).toMatch(/^github_token\s*1$/);
    await chip.click();
    await dash.page.waitForURL((u) => u.searchParams.get('detector') === 'github_token');
    await poll(() => rows().count()).toBe(1);
    expect(await chosen()).toBe('github_token');
    // and choosing "Any data" clears it
    await detectorMenu().selectOption('');
    await dash.page.waitForURL((u) => !u.searchParams.has('detector'));
    await poll(chosen).toBe('Any data');
    expect(await detectorMenu().locator('option', { hasText: 'github_token' }).count()).toBe(0);
  });
});

describe('the charts', () => {
  it('shows counts of four digits whole on its axis', async () => {
    for (const path of ['/?range=24h', '/analytics?range=24h']) {
      await dash.page.goto(dash.srv.url + path);
      const chart = dash.page.getByTestId('decisions-chart');
      const ticks = chart.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value');
      await poll(async () => (await ticks.allTextContents()).some((t) => Number(t) >= 1000)).toBe(true);
      const left = (await chart.locator('.recharts-wrapper > svg').boundingBox())?.x ?? 0;
      for (const tick of await ticks.all()) {
        const box = await tick.boundingBox();
        expect(box?.x, `tick "${await tick.textContent()}" on ${path}`).toBeGreaterThanOrEqual(left);
      }
    }
  });

  it("per agent: a long name shows its start, whole on hover, not cut off the chart's edge", async () => {
    await dash.page.goto(dash.srv.url + '/analytics?range=24h');
    const chart = dash.page.getByTestId('agents-chart');
    const label = chart.locator('.recharts-yAxis-tick-labels text').filter({ hasText: /^billing-/ });
    await label.waitFor();
    const left = (await chart.locator('.recharts-wrapper > svg').boundingBox())?.x ?? 0;
    expect((await label.boundingBox())?.x).toBeGreaterThanOrEqual(left);
    expect(await label.evaluate((t) => t.textContent)).toMatch(/^billing-reconci\S*…$/);
    expect(await label.locator('title').textContent()).toBe(LONG_NAME);
  });

  it('logged no console errors', () => {
    expect(dash.browser.errors).toEqual([]);
  });
});
