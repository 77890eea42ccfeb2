import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotBoth, signIn, type Browser } from './helpers/browser';
import { agentPath, expectAccessible, poll, useDashboard } from './helpers/fixture';
import { LOANS } from './helpers/seed';

// A policy's versions on its page: who made each, when and why, what each changed in the rules,
// and a rollback an admin is asked about first (what it changes, what it is saved as), with a
// message kept. A viewer reads the history but is offered no rollback.

const dash = useDashboard();
let viewer: Browser | null = null;
afterAll(() => viewer?.close());

const doc = (limit: number) => `kind: AgentPolicy
agent: "${LOANS}"
rules:
  - id: large-transfers
    actions: [transfer_funds]
    when: args.amount > ${limit}.0
    effect: REVIEW
`;

describe('policy versions', () => {
  it('lists the versions with their changes, and rolls back after asking', async () => {
    const { page, srv } = dash;
    const admin = srv.api();
    await admin.policies.applyRules.mutate({ yaml: doc(1000), message: 'hold large transfers' });
    await admin.policies.applyRules.mutate({ yaml: doc(50000), message: 'too many holds' });
    const [latest, first] = await admin.policies.history.query({ agent: LOANS, limit: 2 });

    await page.goto(srv.url + agentPath(LOANS));
    const section = page.getByRole('region', { name: 'Conditional rules' });
    await section.getByText('Version history').click();
    const versions = section
      .getByRole('list', { name: 'Policy versions' })
      .getByTestId('policy-version');
    await versions.first().waitFor();
    expect(await versions.first().innerText()).toMatch(
      new RegExp(`^v${latest!.version}\\s+in force\\s+by admin[\\s\\S]*“too many holds”`),
    );
    expect(await versions.nth(1).innerText()).toContain('“hold large transfers”');
    // What the newest version changed: the one line, as removed and added.
    await versions.first().getByText(`Rule changes in v${latest!.version}`).click();
    const diff = versions.first().getByTestId('diff');
    expect(await diff.locator('[data-diff="removed"]').innerText()).toMatch(
      /when: args\.amount > 1000\.0/,
    );
    expect(await diff.locator('[data-diff="added"]').innerText()).toMatch(
      /when: args\.amount > 50000\.0/,
    );
    expect(
      await versions
        .first()
        .getByRole('button', { name: /Roll back/ })
        .count(),
    ).toBe(0);

    // Roll back to the one before: asked first, saying what changes and what it is saved as.
    await versions
      .nth(1)
      .getByRole('button', { name: `Roll back to v${first!.version}…` })
      .click();
    const dialog = page.getByRole('dialog', {
      name: `Roll back ${LOANS}’s rules to v${first!.version}?`,
    });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain(`saved as v${latest!.version + 1}`);
    expect(await dialog.getByTestId('diff').locator('[data-diff="added"]').innerText()).toMatch(
      /1000\.0/,
    );
    await expectAccessible(page);
    await screenshotBoth(page, 'policy-rollback', () => dialog.waitFor());
    // Escape changes nothing.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await admin.policies.document.query({ agent: LOANS })).version).toBe(latest!.version);

    await versions
      .nth(1)
      .getByRole('button', { name: `Roll back to v${first!.version}…` })
      .click();
    await dialog.getByLabel('Why (kept with the version)').fill('holds were fine');
    await dialog.getByRole('button', { name: `Roll back to v${first!.version}` }).click();
    await dialog.waitFor({ state: 'hidden' });
    const now = await admin.policies.document.query({ agent: LOANS });
    expect(now).toMatchObject({ version: latest!.version + 1, message: 'holds were fine' });
    expect(now.yaml).toContain('args.amount > 1000.0');
    // The page follows: the rule table and the history show the new version.
    await poll(() => section.getByTestId('rule-row').first().innerText()).toContain('1000.0');
    await poll(() => versions.first().innerText()).toMatch(
      new RegExp(`^v${latest!.version + 1}\\s+in force[\\s\\S]*“holds were fine”`),
    );
  });

  it('shows a viewer the history, with no rollback', async () => {
    viewer = await launchBrowser();
    await signIn(viewer.page, dash.srv.url, dash.seeded.viewerKey);
    await viewer.page.goto(dash.srv.url + agentPath(LOANS));
    const section = viewer.page.getByRole('region', { name: 'Conditional rules' });
    await section.getByText('Version history').click();
    const versions = section.getByTestId('policy-version');
    await poll(() => versions.count()).toBeGreaterThan(2);
    expect(await section.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    expect(await section.getByRole('button', { name: 'Edit rules' }).count()).toBe(0);
    expect(viewer.errors).toEqual([]);
  });
});
