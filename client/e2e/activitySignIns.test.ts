import { describe, expect, it } from 'vitest';
import { screenshotBoth } from './helpers/browser';
import { agentPath, expectAccessible, poll, useDashboard } from './helpers/fixture';

// Activity as a security team first sees it: agents' calls on the first screen (sign-ins, one a
// visit, filled it), the sign-ins counted and one click away; a search box that says what it
// searches at 1280 px; and an agent's calls under names past its cap shown as what they are.

const dash = useDashboard();
const rows = () => dash.page.getByTestId('audit-row');
const actions = () =>
  rows().evaluateAll((els) =>
    els.map((el) => el.querySelector('[data-testid="feed-action"]')?.textContent?.trim() ?? ''),
  );

describe('Activity', () => {
  it('says what its search box searches, whole, on a 1280 px screen', async () => {
    const { page, srv } = dash;
    await page.goto(srv.url + '/activity');
    const search = page.getByRole('searchbox', { name: 'Search actions and details' });
    await search.waitFor();
    const fit = await search.evaluate((el) => {
      const input = el as HTMLInputElement;
      const style = getComputedStyle(input);
      const ctx = document.createElement('canvas').getContext('2d');
      if (!ctx) return { text: 0, room: 0 };
      ctx.font = style.font;
      return {
        text: ctx.measureText(input.placeholder).width,
        room: input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
        words: input.placeholder,
      };
    });
    expect(fit.text).toBeLessThanOrEqual(fit.room);
    expect(fit.words).toMatch(/actions.*reasons.*arg/);
  });

  it('leaves sign-ins out by default, counted, one click (and a link) away; keys made stay', async () => {
    const { page, srv, seeded } = dash;
    for (let i = 0; i < 12; i++) await srv.api().auth.login.mutate({ key: seeded.viewerKey });
    await page.goto(srv.url + '/activity');
    await rows().first().waitFor();
    const listed = await actions();
    expect(listed.filter((a) => a === 'aegis:login')).toEqual([]);
    // the seed's keys made (ACCESS too) are no sign-ins: listed
    expect(listed).toContain('aegis:key-create');
    expect(listed).toContain('access_ssn');
    const toggle = page.getByTestId('sign-ins-toggle');
    // 12 and this browser's own
    expect(await toggle.innerText()).toMatch(/^Show 13 sign-ins$/);
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    // the export is of what the page shows
    expect(await page.getByTestId('export-csv').getAttribute('href')).toContain('signins=exclude');
    // one arriving live is counted, not listed
    await srv.api().auth.login.mutate({ key: seeded.viewerKey });
    await poll(() => toggle.innerText()).toBe('Show 14 sign-ins');
    expect((await actions()).filter((a) => a === 'aegis:login')).toEqual([]);
    await expectAccessible(page);
    await screenshotBoth(page, 'activity-sign-ins-left-out', () => rows().first().waitFor());

    await toggle.click();
    await page.waitForURL((u) => u.searchParams.get('signins') === 'include');
    await poll(async () => (await actions()).filter((a) => a === 'aegis:login').length).toBe(14);
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await toggle.innerText()).toBe('Hide 14 sign-ins');
    expect(await page.getByTestId('export-csv').getAttribute('href')).toContain('signins=include');
    // a link keeps them shown
    await page.reload();
    await poll(async () => (await actions()).filter((a) => a === 'aegis:login').length).toBe(14);
    // an ACCESS status filter still lists everything it asks for when shown
    await toggle.click();
    await page.waitForURL((u) => !u.searchParams.has('signins'));
  });

  it('shows the calls under names past an agent’s cap as one set-apart row, no rule, no dead link', async () => {
    const { page, srv } = dash;
    const api = srv.api();
    await page.goto('about:blank');
    await api.sdk.registerAgent.mutate({ name: 'FloodBot', allows: ['fetch'] });
    const { policyVersion } = await api.sdk.decide.mutate({
      agent: 'FloodBot',
      action: 'fetch',
      args: {},
    });
    // 530 made-up names: past the cap of 500, 31 calls counted together
    const entries = Array.from({ length: 530 }, (_, i) => ({
      entryKey: `flood-key-${i}-xxxxxxxx`,
      agent: 'FloodBot',
      action: `made.up.tool.${i}`,
      status: 'BLOCKED' as const,
      details: 'local decision',
      callId: `flood-call-${i}`,
      args: {},
      decidedAt: new Date().toISOString(),
      policyVersion,
    }));
    for (let i = 0; i < entries.length; i += 300)
      await api.sdk.recordBatch.mutate({ entries: entries.slice(i, i + 300) });

    await page.goto(srv.url + agentPath('FloodBot'));
    const other = page.getByTestId('other-actions');
    await poll(() => other.count()).toBe(1);
    const row = page.locator('tr', { has: other });
    expect(await row.innerText()).toMatch(/Other actions[\s\S]*past the first 500[\s\S]*31/);
    // no policy chip (it read REVIEW, the chip for unknown names), no link
    expect(await row.getByText('REVIEW', { exact: true }).count()).toBe(0);
    expect(await row.getByRole('link').count()).toBe(0);
    expect(await other.getAttribute('title')).toMatch(/counted together/);
    expect(
      await other.evaluate((el) =>
        el.firstElementChild ? getComputedStyle(el.firstElementChild).fontStyle : '',
      ),
    ).toBe('italic');
    await expectAccessible(page);

    // Analytics' per-action table: the row leads to the agent's calls, not to a filter on a name
    // no entry has.
    await page.goto(srv.url + '/analytics?range=24h');
    const perAction = page.getByRole('region', { name: 'Per action' });
    const link = perAction.getByRole('link').filter({ has: page.getByTestId('other-actions') });
    await link.waitFor();
    const href = new URL((await link.getAttribute('href')) ?? '', srv.url);
    expect(href.searchParams.get('agent')).toBe('FloodBot');
    expect(href.searchParams.has('action')).toBe(false);

    expect(dash.browser.errors).toEqual([]);
    // 500 tools' rows on the agent page, on a busy 2-core machine: time to draw, not an assertion
  }, 180_000);
});
