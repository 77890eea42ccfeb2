import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { createAegis } from '@aegis/sdk';
import {
  customerSupport,
  fraudDetection,
  loanProcessor,
  marketingOutreach,
  registerAgent,
} from '@aegis/demo';
import { useFixture } from '../../server/test/helpers/useTestServer';
import { buildDashboard } from './helpers/buildDashboard';
import { startE2eServer } from './helpers/server';
import { launchBrowser, screenshotBoth, screenshotDir, signInWithLink } from './helpers/browser';
import { expectAccessible, poll } from './helpers/fixture';
import { attempt } from './helpers/seed';

// Issue 18, "Done means" 2: the demo's four agents register as the demo does (declared tool tags)
// and make their scripted calls; the built-in pack flags the Loan Processor's dangerous tools and
// the Marketing agent's export on the Governance page, without anyone asking for an evaluation.

const DEMO = [customerSupport, fraudDetection, loanProcessor, marketingOutreach];

const server = useFixture(
  async () => startE2eServer(await buildDashboard()),
  (s) => s.close(),
);
const demo = useFixture(
  async () => {
    const srv = server();
    const aegis = createAegis({
      url: srv.url,
      apiKey: srv.adminKey,
      requestTimeoutMs: 30_000,
      onError: () => undefined,
    });
    for (const agent of DEMO) {
      await registerAgent(aegis, agent).register();
      for (const step of agent.scenario)
        await attempt(aegis, agent.name, step.tool, step.args, { wait: false });
    }
    return aegis;
  },
  (aegis) => aegis.close(),
);
const signedIn = useFixture(
  async () => {
    const browser = await launchBrowser();
    await signInWithLink(browser.page, server().url, server().loginToken);
    return browser;
  },
  (browser) => browser.close(),
);

/** Whether a section's heading is on the screen, below the sticky header and jump bar. */
function headingInSight(section: Locator): Promise<boolean> {
  return section
    .getByRole('heading')
    .first()
    .evaluate((h) => {
      const b = h.getBoundingClientRect();
      return b.top >= 56 && b.bottom <= window.innerHeight;
    });
}

describe('governance of the demo agents', () => {
  it('their manifests carry the declared tags', async () => {
    const api = demo().api;
    for (const agent of DEMO) {
      const m = await api.manifests.get.query({ agent: agent.name });
      expect(m.tools).toHaveLength(17);
      expect(m.tools.find((t) => t.name === 'delete_records')?.tags).toEqual(['destructive']);
    }
  });

  it('the Governance page flags the Loan Processor’s dangerous tools and the Marketing export; a reviewer acknowledges one', async () => {
    demo();
    const { page } = signedIn();
    await page.goto(server().url + '/governance');
    await page.getByRole('heading', { name: 'Governance', level: 1 }).waitFor();
    const row = (rule: string, agent: string) =>
      page.locator(`[data-testid="violation"][data-rule="${rule}"][data-agent="${agent}"]`);
    // evaluated after the calls on its own; a reload picks up what the live update may have missed
    await poll(async () => {
      if ((await row('dangerous-tool-attempted', 'loan_processor').count()) < 3)
        await page.reload();
      return row('dangerous-tool-attempted', 'loan_processor').count();
    }).toBe(3);
    const loans = (await row('dangerous-tool-attempted', 'loan_processor').allInnerTexts()).join(
      '\n',
    );
    for (const tool of ['access_ssn', 'delete_records', 'connect_external'])
      expect(loans).toContain(tool);
    const egress = row('pii-external-egress', 'marketing_outreach').filter({
      hasText: 'export_customer_list',
    });
    await egress.waitFor();
    expect(await egress.innerText()).toMatch(/CRITICAL/i);
    await expectAccessible(page);
    await screenshotBoth(page, 'governance', () =>
      row('dangerous-tool-attempted', 'loan_processor').first().waitFor(),
    );

    const first = row('dangerous-tool-attempted', 'loan_processor').first();
    await first.getByRole('button', { name: 'Acknowledge…' }).click();
    await first.getByLabel('Reason').fill('Tool list is being trimmed in the next release');
    await first.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await first.getByText(/Acknowledged by/).waitFor();
  });

  it('is navigable by agent, and a filtered view or a section is a link to share', async () => {
    demo();
    const { page } = signedIn();
    const url = server().url;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(url + '/governance');
    const nav = page.getByRole('navigation', { name: 'Jump to an agent' });
    await nav.getByRole('link', { name: /marketing_outreach/ }).click();
    await page.waitForURL(/#agent-marketing_outreach$/);
    const section = page.getByRole('region', { name: 'marketing_outreach' });
    await poll(() => headingInSight(section)).toBe(true);
    expect(await section.getByTestId('violation').count()).toBeGreaterThan(0);
    expect(
      await section
        .getByTestId('violation')
        .evaluateAll((els) =>
          els.every((e) => e.getAttribute('data-agent') === 'marketing_outreach'),
        ),
    ).toBe(true);

    // The severity filter is in the URL; a link to it opens filtered and on the section.
    await page.getByRole('button', { name: /critical/ }).click();
    await page.waitForURL(/[?&]severity=critical/);
    const shared = page.url();
    await page.goto('about:blank');
    await page.goto(shared);
    await poll(() => headingInSight(section)).toBe(true);
    expect(await page.getByRole('button', { name: /critical/ }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    const severities = await page
      .getByTestId('violation')
      .evaluateAll((els) => els.map((e) => e.querySelector('span')?.textContent?.toLowerCase()));
    expect(new Set(severities)).toEqual(new Set(['critical']));
  });

  it('jumps to any of 30+ long-named agents from one list that stays small, kept in the URL', async () => {
    const aegis = demo();
    const { page } = signedIn();
    const url = server().url;
    const names = Array.from(
      { length: 32 },
      (_, i) => `regional_underwriting_assistant_${String(i).padStart(2, '0')}_emea_north`,
    );
    for (const name of names) {
      await registerAgent(aegis, { ...loanProcessor, name }).register();
      await attempt(aegis, name, 'delete_records', { table: 'loans' }, { wait: false });
    }
    const last = names.at(-1) ?? '';
    const section = page.getByRole('region', { name: last });
    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(size);
      await page.goto(url + '/governance');
      // evaluated on its own after the calls: a reload picks up what the live update missed
      await poll(async () => {
        if ((await section.count()) === 0) await page.reload();
        return section.count();
      }).toBe(1);
      const nav = page.getByRole('navigation', { name: 'Jump to an agent' });
      // One row: 36 agents as links took 17 rows (and, sticky, the screen) at 1280 px.
      expect((await nav.boundingBox())?.height).toBeLessThanOrEqual(64);
      // nothing wider than the screen (the agent filter's select was as wide as its longest
      // name, and a section's heading ran its long name past the edge)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        size.width,
      );
      const jump = nav.getByRole('combobox', { name: 'Jump to' });
      await jump.focus();
      await jump.selectOption(last);
      await page.waitForURL((u) => u.hash === `#agent-${last}`);
      await poll(() => headingInSight(section)).toBe(true);
      await page.screenshot({ path: `${screenshotDir}/governance-many-${size.width}.png` });
    }
    // A link to a section opens on it, the list saying where it is.
    await page.goto('about:blank');
    await page.goto(`${url}/governance#agent-${names[3]}`);
    await poll(() => headingInSight(page.getByRole('region', { name: names[3] }))).toBe(true);
    expect(
      await page
        .getByRole('combobox', { name: 'Jump to' })
        .evaluate((s) => (s as HTMLSelectElement).value),
    ).toBe(names[3]);
    await expectAccessible(page);
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
