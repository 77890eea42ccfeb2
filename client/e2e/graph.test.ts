import { describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, screenshotDir } from './helpers/browser';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';
import { FRAUD, LOANS, SUPPORT } from './helpers/seed';

// The agent graph: seeded agents and tools drawn, a click on an agent traces it, a phone reads it.

const dash = useDashboard();

/** name → trace state ("none" | "on" | "off") of every node of a kind. */
async function traceStates(
  page: Page,
  kind: 'agent' | 'tool' | 'tag',
): Promise<Record<string, string>> {
  return page.getByTestId(`graph-node-${kind}`).evaluateAll((els): Record<string, string> => {
    const states: Record<string, string> = {};
    for (const el of els)
      states[el.getAttribute('data-name') ?? ''] = el.getAttribute('data-trace') ?? '';
    return states;
  });
}

/** The smallest font size of the matching texts as drawn on screen (the map's zoom included), px. */
function smallestText(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluateAll((els) =>
    Math.min(
      ...els.map((el) => {
        // The map's zoom from its transform: box / offset sizes are rounded to whole pixels,
        // which at the readable zoom of 0.85 read the 13 px labels (11.05 px) as 10.8 px.
        const viewport = el.closest('.react-flow__viewport');
        const scale = viewport ? new DOMMatrix(getComputedStyle(viewport).transform).a : 1;
        return parseFloat(getComputedStyle(el).fontSize) * scale;
      }),
    ),
  );
}

/** Names of the nodes drawn (partly) outside the map's canvas. */
async function nodesOutsideCanvas(page: Page): Promise<string[]> {
  const canvas = await page.getByTestId('graph-canvas').boundingBox();
  if (!canvas) return ['(no canvas)'];
  const boxes = await page.locator('.graph-node').evaluateAll((els) =>
    els.map((el) => {
      const b = el.getBoundingClientRect();
      return { name: el.getAttribute('data-name') ?? '', x: b.x, y: b.y, w: b.width, h: b.height };
    }),
  );
  return boxes
    .filter(
      (b) =>
        b.x < canvas.x ||
        b.y < canvas.y ||
        b.x + b.w > canvas.x + canvas.width ||
        b.y + b.h > canvas.y + canvas.height,
    )
    .map((b) => b.name);
}

/**
 * Whether the test id's element is in sight as the page is scrolled now: whole, or at least 40%
 * of the screen's height of it, and on top of whatever lies under its middle.
 */
function inSight(page: Page, testId: string): Promise<boolean> {
  return page.getByTestId(testId).evaluate((el) => {
    const b = el.getBoundingClientRect();
    const shown = Math.min(b.bottom, window.innerHeight) - Math.max(b.top, 0);
    if (shown < Math.min(b.height, window.innerHeight * 0.4) - 1) return false;
    const y = (Math.max(b.top, 0) + Math.min(b.bottom, window.innerHeight)) / 2;
    const top = document.elementFromPoint(b.left + b.width / 2, y);
    return top !== null && el.contains(top);
  });
}

describe('the agent graph', () => {
  it('draws the seeded agents, their tools and the data they carried', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + '/graph');
    await page.getByRole('heading', { level: 1, name: 'Graph' }).waitFor();
    await poll(() => page.getByTestId('graph-node-agent').count()).toBe(3);
    expect(Object.keys(await traceStates(page, 'agent')).sort()).toEqual(
      [FRAUD, LOANS, SUPPORT].sort(),
    );
    expect(Object.keys(await traceStates(page, 'tool')).sort()).toEqual(
      [
        'access_credit_card',
        'access_ssn',
        'check_credit_score',
        'delete_records',
        'flag_transaction',
        'get_transaction_history',
        'lookup_balance',
      ].sort(),
    );
    // The SSN in the held call's arguments is a DLP finding on access_ssn.
    expect(await traceStates(page, 'tag')).toEqual({ ssn: 'none' });
    // delete_records is a shared tool (Support and Loans), always blocked: red edges into it.
    const shared = page.getByTestId('graph-node-tool').filter({ hasText: 'delete_records' });
    expect(await shared.innerText()).toContain('2 agents');
    expect(await page.locator('.react-flow__edge.tone-block').count()).toBeGreaterThanOrEqual(2);
    await page.getByRole('list', { name: 'Legend' }).waitFor();
    // A desktop opens on the whole map at a size its labels read at (they were 7 px with the
    // panels beside the map): every node inside the canvas, none smaller than 11 px.
    await poll(() => smallestText(page, '.graph-node .font-semibold')).toBeGreaterThanOrEqual(11);
    expect(await nodesOutsideCanvas(page)).toEqual([]);
    await expectAccessible(page);
  });

  it('traces an agent on click: its tools, their data and the agents sharing them light up', async () => {
    const { page } = dash;
    await page.getByTestId('graph-node-agent').filter({ hasText: LOANS }).click();
    await page.waitForURL(/[?&]agent=Loan(\+|%20)Processor/);
    await poll(async () => (await traceStates(page, 'agent'))[LOANS]).toBe('on');
    // Loans shares delete_records with Support; its other tools are its own; Fraud shares nothing.
    expect(await traceStates(page, 'agent')).toEqual({
      [LOANS]: 'on',
      [SUPPORT]: 'on',
      [FRAUD]: 'off',
    });
    expect(await traceStates(page, 'tool')).toEqual({
      check_credit_score: 'on',
      access_credit_card: 'on',
      delete_records: 'on',
      lookup_balance: 'off',
      get_transaction_history: 'off',
      access_ssn: 'off',
      flag_transaction: 'off',
    });
    expect(await traceStates(page, 'tag')).toEqual({ ssn: 'off' });

    const panel = page.getByTestId('trace-panel');
    await panel.getByRole('heading', { name: LOANS }).waitFor();
    const link = panel.getByRole('link', { name: 'access_credit_card' });
    expect(await link.getAttribute('href')).toBe(
      '/activity?agent=Loan+Processor&action=access_credit_card',
    );
    expect(await panel.innerText()).toMatch(/Blocked\s*2/);

    // Tracing another agent from the panel moves the trace; its SSN call brings the data tag in.
    await panel.getByRole('button', { name: SUPPORT }).click();
    await poll(async () => (await traceStates(page, 'tag')).ssn).toBe('on');
    expect((await traceStates(page, 'tool')).check_credit_score).toBe('off');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Stop tracing' }).click();
    await poll(async () => (await traceStates(page, 'agent'))[SUPPORT]).toBe('none');
  });

  it('keeps the trace beside the map on a 1280–1440 px screen, the map still whole and readable', async () => {
    const { page } = dash;
    for (const width of [1280, 1440]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(dash.srv.url + `/graph?agent=${encodeURIComponent(LOANS)}`);
      const panel = page.getByTestId('trace-panel');
      await panel.getByRole('heading', { name: LOANS }).waitFor();
      await poll(() => smallestText(page, '.graph-node .font-semibold')).toBeGreaterThanOrEqual(11);
      const canvas = await page.getByTestId('graph-canvas').boundingBox();
      const box = await panel.boundingBox();
      // Beside the map and on the first screen: it was under the map, a scroll past all of it away.
      expect(box && canvas && box.x >= canvas.x + canvas.width).toBe(true);
      expect(box && box.y < 800).toBe(true);
      expect(await nodesOutsideCanvas(page)).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );
    }
    await page.screenshot({ path: path.join(screenshotDir, 'graph-trace-1440.png') });
    await page.setViewportSize(DESKTOP);
  });

  it('below 1280 px, shows the trace over the map on a click, where the eye is (it opened under the map, out of sight)', async () => {
    const { page } = dash;
    for (const size of [
      { width: 1100, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(size);
      await page.goto(dash.srv.url + '/graph?view=map');
      await page.getByTestId('graph-node-agent').filter({ hasText: LOANS }).click();
      const panel = page.getByTestId('trace-panel');
      await panel.getByRole('heading', { name: LOANS }).waitFor();
      // On the screen as it is (no scroll), on top of whatever lies under its middle.
      await poll(() => inSight(page, 'trace-panel')).toBe(true);
      await page.getByRole('button', { name: 'Stop tracing' }).click();
      await poll(() => panel.count()).toBe(0);
      // Escape closes it too, as it closes other panels lying over the page.
      await page.getByTestId('graph-node-agent').filter({ hasText: LOANS }).click();
      await panel.getByRole('heading', { name: LOANS }).waitFor();
      await page.keyboard.press('Escape');
      await poll(() => panel.count()).toBe(0);
      expect(new URL(page.url()).searchParams.has('agent')).toBe(false);
    }
    await page.setViewportSize(DESKTOP);
  });

  it('takes focus to the trace when it opens and gives it back to what opened it when it closes', async () => {
    const { page } = dash;
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return 'body';
        const where = el.closest('[data-testid="trace-panel"]') ? 'panel' : 'page';
        return `${where} ${el.tagName.toLowerCase()} ${el.getAttribute('data-trace-for') ?? el.getAttribute('data-id') ?? el.textContent?.trim() ?? ''}`;
      });
    const panel = page.getByTestId('trace-panel');
    for (const size of [DESKTOP, { width: 1100, height: 800 }]) {
      await page.setViewportSize(size);
      await page.goto(dash.srv.url + '/graph?view=map');
      // The keyboard's way in, the picker: the trace opens on its heading (focus stayed on a
      // button the panel had replaced, lost on the page's body).
      const pick = page.getByRole('region', { name: 'Trace an agent' }).getByRole('button', {
        name: new RegExp(LOANS),
      });
      await pick.focus();
      await page.keyboard.press('Enter');
      await poll(focused).toBe(`panel h2 ${LOANS}`);
      expect(await panel.getAttribute('aria-label')).toBe(`Trace of ${LOANS}`);
      // Escape closes it; focus returns to the picker's button for that agent.
      await page.keyboard.press('Escape');
      await poll(() => panel.count()).toBe(0);
      await poll(focused).toBe(`page button ${LOANS}`);

      // A node of the map: Enter traces it as a click does; Tab reaches the close button, whose
      // Enter closes the trace and puts focus back on the node.
      const node = page.locator(`.react-flow__node[data-id="agent:${LOANS}"]`);
      await node.focus();
      await page.keyboard.press('Enter');
      await poll(focused).toBe(`panel h2 ${LOANS}`);
      await page.keyboard.press('Tab');
      await poll(focused).toBe('panel button ');
      await page.keyboard.press('Enter');
      await poll(() => panel.count()).toBe(0);
      await poll(focused).toBe(`page div agent:${LOANS}`);

      // A click on a node, then Escape: back on the node clicked.
      await page.getByTestId('graph-node-agent').filter({ hasText: SUPPORT }).click();
      await poll(focused).toBe(`panel h2 ${SUPPORT}`);
      await page.keyboard.press('Escape');
      await poll(focused).toBe(`page div agent:${SUPPORT}`);
    }
    // The list (a phone's view): its row's button gets focus back.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(dash.srv.url + '/graph?view=list');
    const row = page.getByTestId('graph-list').getByRole('button', { name: FRAUD });
    await row.click();
    await poll(focused).toBe(`panel h2 ${FRAUD}`);
    await panel.getByRole('button', { name: 'Stop tracing' }).click();
    await poll(focused).toBe(`page button ${FRAUD}`);
    // A linked trace opens without taking focus from the page's start.
    await page.goto(dash.srv.url + `/graph?agent=${encodeURIComponent(LOANS)}`);
    await panel.getByRole('heading', { name: LOANS }).waitFor();
    expect(await focused()).toBe('body');
    await page.setViewportSize(DESKTOP);
  });

  it('reads on a 375 px phone: a list first, the map at a readable size; no overflow, light and dark', async () => {
    const { page } = dash;
    await mkdir(screenshotDir, { recursive: true });
    const shoot = async (name: string, ready: string) => {
      await page.getByTestId(ready).first().waitFor();
      await page.screenshot({
        path: path.join(screenshotDir, `${name}.png`),
        animations: 'disabled',
      });
    };
    await page.goto(dash.srv.url + `/graph?agent=${encodeURIComponent(SUPPORT)}`);
    await shoot('graph-desktop', 'graph-node-agent');
    await page.setViewportSize(PHONE);
    await page.goto(dash.srv.url + '/graph');
    // The whole map fits a phone only at a third of its size (4 px labels): the list comes first.
    const list = page.getByTestId('graph-list');
    await list.waitFor();
    expect(await page.getByTestId('graph-canvas').count()).toBe(0);
    const agents = list.getByTestId('graph-list-agent');
    expect(await agents.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(
      expect.arrayContaining([FRAUD, LOANS, SUPPORT]),
    );
    expect(await list.getByTestId('graph-list-tool').count()).toBeGreaterThanOrEqual(7);
    expect(
      await smallestText(page, '[data-testid="graph-list"] :is(button, .font-mono)'),
    ).toBeGreaterThanOrEqual(14);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await shoot('graph-375', 'graph-list');
    // Tracing from the list: the trace panel says what the agent did.
    await agents.filter({ hasText: LOANS }).getByRole('button', { name: LOANS }).click();
    await page.waitForURL(/[?&]agent=Loan(\+|%20)Processor/);
    await page.getByTestId('trace-panel').getByRole('heading', { name: LOANS }).waitFor();
    await page.getByRole('button', { name: 'Stop tracing' }).click();

    // The map on a phone opens at a zoom its labels read at, on the agents, to pan from there.
    await page
      .getByRole('group', { name: 'Show the graph as' })
      .getByRole('button', { name: 'Map' })
      .click();
    await page.waitForURL(/[?&]view=map/);
    await poll(() =>
      smallestText(page, '.graph-node.kind-agent .font-semibold'),
    ).toBeGreaterThanOrEqual(10);
    await page.getByTestId('graph-node-agent').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await shoot('graph-375-map', 'graph-node-agent');

    await page.getByRole('button', { name: /dark mode/i }).click();
    await poll(() => page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(
      true,
    );
    await page.getByRole('button', { name: 'List' }).click();
    await list.waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE.width,
    );
    await expectAccessible(page);
    await shoot('graph-375-dark', 'graph-list');
    await page.setViewportSize(DESKTOP);
    await page.goto(dash.srv.url + '/graph');
    // A desktop still opens on the whole map.
    await shoot('graph-desktop-dark', 'graph-node-agent');
    expect(await page.getByTestId('graph-node-agent').count()).toBe(3);
    await page.getByRole('button', { name: /light mode/i }).click();
  });

  it('shows an empty state for a range with no calls, and no console errors anywhere', async () => {
    const { page } = dash;
    const from = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await page.goto(dash.srv.url + `/graph?from=${from}&to=${to}`);
    await page.getByText('No calls in this range').waitFor();
    expect(await page.getByTestId('graph-canvas').count()).toBe(0);
    expect(dash.browser.errors).toEqual([]);
  });
});
