import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, screenshotDir } from './helpers/browser';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';

// The Analytics page on the seeded server: numbers from the rollups, a chart click opening
// Activity filtered to that bucket and verdict, and the phone layout; screenshots for the README.

const dash = useDashboard();

describe('the Analytics page', () => {
  it('renders decisions from the rollups and a bar click opens Activity filtered to it', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + '/analytics?range=1h');
    await page.getByRole('heading', { level: 1, name: 'Analytics' }).waitFor();
    const calls = page
      .getByTestId('stat-card')
      .filter({ has: page.getByText('Calls', { exact: true }) });
    await poll(async () => Number((await calls.innerText()).replace(/\D+/g, ''))).toBeGreaterThan(
      0,
    );
    const chart = page.getByRole('img', { name: /Decisions over time/ });
    await chart.waitFor();
    expect(await chart.getAttribute('aria-label')).toMatch(/[1-9]\d* blocked/);
    await expectAccessible(page);

    await mkdir(screenshotDir, { recursive: true });
    const shoot = (name: string) =>
      page.screenshot({
        path: path.join(screenshotDir, `${name}.png`),
        fullPage: true,
        animations: 'disabled',
      });
    await shoot('analytics-desktop');
    await page.setViewportSize(PHONE);
    await chart.waitFor();
    // The chart re-measures after the resize (a ResizeObserver): wait for the relayout, under load too.
    await poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await shoot('analytics-375');
    await page.getByRole('button', { name: /dark mode/i }).click();
    await poll(() => page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(
      true,
    );
    await shoot('analytics-375-dark');
    await page.setViewportSize(DESKTOP);
    await shoot('analytics-desktop-dark');
    await page.getByRole('button', { name: /light mode/i }).click();

    // A blocked segment of a bar: Activity opens with that bucket's time and the BLOCKED status.
    await page
      .locator(
        '.recharts-bar-rectangle path[fill="var(--color-block-ink)"], .recharts-rectangle[fill="var(--color-block-ink)"]',
      )
      .first()
      .click();
    await poll(() => new URL(page.url()).pathname).toBe('/activity');
    const params = new URL(page.url()).searchParams;
    expect(params.get('status')).toBe('BLOCKED');
    expect(Date.parse(params.get('to') ?? '') - Date.parse(params.get('from') ?? '')).toBe(60_000);
  });

  it('lists the verdicts in the time chart legend in the order its bars stack them', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + '/analytics?range=1h');
    const chart = page.getByRole('img', { name: /Decisions over time/ });
    await chart.waitFor();
    const items = chart.locator('.recharts-legend-item-text');
    await poll(() => items.count()).toBe(4);
    expect(await items.allInnerTexts()).toEqual(['Allowed', 'Review', 'Blocked', 'Killed']);
  });

  it('keys the per-agent chart: a legend in the series colours, read out and opened by keyboard', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + '/analytics?range=1h');
    const legend = page.getByRole('list', { name: 'Verdicts (chart legend)' });
    await legend.waitFor();
    const items = legend.getByRole('link');
    expect((await items.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '))).toEqual([
      expect.stringMatching(/^Allowed \d+$/),
      expect.stringMatching(/^Review \d+$/),
      expect.stringMatching(/^Blocked [1-9]\d*$/),
      expect.stringMatching(/^Killed \d+$/),
    ]);
    // "Blocked or killed" says what it counts, and agrees with the legend's Blocked and Killed.
    const stopped = page.getByTestId('stat-card').filter({ hasText: 'Blocked or killed' });
    const parts =
      /(\d+) of (\d+) calls: (\d+) blocked by policy, (\d+) refused by the kill-switch/.exec(
        await stopped.innerText(),
      );
    const [, both, , blocked, killed] = (parts ?? []).map(Number);
    const legendCount = async (label: string) =>
      Number((await items.filter({ hasText: label }).innerText()).replace(/\D+/g, ''));
    expect(blocked).toBe(await legendCount('Blocked'));
    expect(killed).toBe(await legendCount('Killed'));
    expect(both).toBe((blocked ?? 0) + (killed ?? 0));
    // Each swatch is the colour its bars are drawn in (the seed has allowed and blocked bars).
    const chart = page.getByTestId('agents-chart');
    await chart.locator('.recharts-rectangle').first().waitFor();
    const colours = await page.locator('[data-color]').evaluateAll((swatches) =>
      swatches.map((sw) => {
        const colour = sw.getAttribute('data-color') ?? '';
        const bar = sw.ownerDocument.querySelector(
          `[data-testid="agents-chart"] .recharts-rectangle[fill="${colour}"]`,
        );
        return {
          swatch: getComputedStyle(sw).backgroundColor,
          bar: bar ? getComputedStyle(bar).fill : null,
        };
      }),
    );
    const drawn = colours.filter((c) => c.bar !== null);
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    for (const c of drawn) expect(c.swatch).toBe(c.bar);
    expect(await chart.getAttribute('aria-label')).toMatch(
      /Calls per agent by verdict: .+ blocked/,
    );
    await expectAccessible(page);
    // The keyboard's way to what a bar's click opens: Enter on "Blocked" lists the blocked calls.
    await items.filter({ hasText: 'Blocked' }).focus();
    await page.keyboard.press('Enter');
    await poll(() => new URL(page.url()).pathname).toBe('/activity');
    expect(new URL(page.url()).searchParams.get('status')).toBe('BLOCKED');
  });
});
