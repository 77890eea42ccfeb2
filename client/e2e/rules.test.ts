import { describe, expect, it } from 'vitest';
import { DESKTOP, screenshotBoth } from './helpers/browser';
import { agentPath, expectAccessible, poll, useDashboard } from './helpers/fixture';
import { LOANS } from './helpers/seed';
import { unlabelledFields } from './helpers/a11y';

// Issue 14, "Done means" 5: the rule editor. An admin edits an agent's conditional rules; a broken
// CEL condition is shown with its line and column as it is typed; "try a call" shows the verdict
// and the rule that decided, and records nothing.

const dash = useDashboard();

const rules = (when: string) => `kind: AgentPolicy
agent: "${LOANS}"
rules:
  - id: small-transfers
    actions: [transfer_funds]
    effect: ALLOW
  - id: large-transfers
    actions: [transfer_funds]
    when: ${when}
    effect: REVIEW
    reason: "A transfer of \${{ args.amount }} needs a person"
`;

describe('the rule editor', () => {
  it('shows a broken condition with its position as it is typed, then takes the fixed one', async () => {
    const { page } = dash;
    await page.goto(dash.srv.url + agentPath(LOANS));
    const section = page.getByRole('region', { name: 'Conditional rules' });
    await section.getByText('No conditional rules yet').waitFor();
    await section.getByRole('button', { name: 'Edit rules' }).click();
    const editor = section.getByLabel('Rule document (YAML)');
    await editor.fill(rules('args.amount > 1000.0 &&'));
    const problem = section.getByTestId('policy-problem').first();
    await problem.waitFor();
    const text = await problem.innerText();
    expect(text).toMatch(/Line 9, column \d+/);
    expect(text).toContain('rule 2 “large-transfers” › when');
    expect(await section.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await screenshotBoth(page, 'rule-editor-invalid', () => problem.waitFor());

    await editor.fill(rules('args.amount > 1000.0'));
    await section.getByTestId('draft-valid').waitFor();
    expect(await section.getByTestId('policy-problem').count()).toBe(0);
  });

  it('says how history and dlp are called when a condition calls them wrongly', async () => {
    const { page } = dash;
    const section = page.getByRole('region', { name: 'Conditional rules' });
    const editor = section.getByLabel('Rule document (YAML)');
    // Before: only "found no matching overload for 'aegis.History.count(string, string)'".
    await editor.fill(rules("history.count('transfer_funds', '1h') > 3"));
    const problem = section.getByTestId('policy-problem').first();
    await poll(() => problem.innerText()).toContain(
      "history.count takes an action and a window: history.count('issue_refund', duration('1h'))",
    );
    expect(await problem.innerText()).toMatch(/^Line 9, column \d+/);
    await editor.fill(rules("dlp.foundIn('card')"));
    await poll(() => problem.innerText()).toContain(
      "dlp.foundIn takes where ('args' or 'result') and a name",
    );
    await editor.fill(rules('args.amount > 1000.0'));
    await section.getByTestId('draft-valid').waitFor();
  });

  it('lists every problem of a draft at once, each at its rule, field and line; 20, then the rest', async () => {
    const { page } = dash;
    const section = page.getByRole('region', { name: 'Conditional rules' });
    const editor = section.getByLabel('Rule document (YAML)');
    // A broken condition in rule 1, then 24 rules whose effect is misspelt: the condition used to
    // surface only once every schema problem was fixed, and only the first problem said where.
    const typos = Array.from(
      { length: 24 },
      (_, i) => `  - id: r${i}\n    actions: [a${i}]\n    effect: ALOW\n`,
    ).join('');
    await editor.fill(
      `kind: AgentPolicy\nagent: "${LOANS}"\nrules:\n  - id: big\n    actions: [x]\n    when: args.amount >\n    effect: REVIEW\n${typos}`,
    );
    await poll(() => section.getByTestId('draft-invalid').innerText()).toBe(
      '25 problems in 25 rules',
    );
    const problems = section.getByTestId('policy-problem');
    expect(await problems.count()).toBe(20);
    expect(await problems.first().innerText()).toMatch(
      /^Line 6, column 24\s+rule 1 “big” › when\s+Unexpected token/,
    );
    expect(await problems.nth(1).innerText()).toMatch(
      /^Line 10, column 13\s+rule 2 “r0” › effect\s+Invalid option/,
    );
    expect(await section.getByTestId('problems-more').innerText()).toMatch(/and 5 more/);
    await screenshotBoth(page, 'rule-editor-problems', () => problems.first().waitFor());
    await section.getByRole('button', { name: 'Show all 25' }).click();
    expect(await problems.count()).toBe(25);
    expect(await problems.last().getByTestId('problem-where').innerText()).toBe(
      'rule 25 “r23” › effect',
    );
    // A problem's position puts the cursor on the spot in the draft.
    await problems
      .last()
      .getByRole('button', { name: /^Line \d+, column 13$/ })
      .click();
    const caret = await editor.evaluate((el: HTMLTextAreaElement) =>
      el.value.slice(el.selectionStart, el.selectionStart + 4),
    );
    expect(caret).toBe('ALOW');

    await editor.fill(rules('args.amount > 1000.0'));
    await section.getByTestId('draft-valid').waitFor();
  });

  it("says where a YAML syntax error is, and keeps the rules' problems from before it in view", async () => {
    const { page } = dash;
    const section = page.getByRole('region', { name: 'Conditional rules' });
    const editor = section.getByLabel('Rule document (YAML)');
    const typo = `kind: AgentPolicy\nagent: "${LOANS}"\nrules:\n  - id: r1\n    actions: [a1]\n    effect: ALOW\n`;
    await editor.fill(typo);
    await poll(() => section.getByTestId('draft-invalid').innerText()).toBe('1 problem');
    // An unclosed flow sequence on line 7: the server can't read the draft, so can't check rule 1.
    await editor.fill(`${typo}  - id: r2\n    actions: [a2\n`);
    await poll(() => section.getByTestId('draft-invalid').innerText()).toMatch(
      /^YAML syntax error at line \d+, column \d+/,
    );
    const problem = section.getByTestId('policy-problem').first();
    expect(await problem.innerText()).toMatch(/^Line \d+, column \d+\s+YAML syntax\s+\S/);
    // The effect typo is still shown, from the last draft that read.
    const before = section.getByTestId('problems-before');
    expect(await before.innerText()).toMatch(/rule 1 “r1” › effect\s+Invalid option/);
    await screenshotBoth(page, 'rule-editor-syntax', () => before.waitFor());
    await editor.fill(rules('args.amount > 1000.0'));
    await section.getByTestId('draft-valid').waitFor();
    expect(await before.count()).toBe(0);
  });

  it('"try a call" evaluates the draft: the effect and the deciding rule, nothing recorded', async () => {
    const { page } = dash;
    const section = page.getByRole('region', { name: 'Conditional rules' });
    const before = await dash.srv.api().audit.list.query({ agent: LOANS, limit: 200 });
    const tryBox = section.getByRole('form', { name: 'Try a call' });
    // Each field labelled where it can be seen, not by a placeholder that vanishes on typing.
    expect(await unlabelledFields(tryBox)).toEqual([]);
    await tryBox.getByLabel('Action').fill('transfer_funds');
    await tryBox.getByLabel('Arguments (JSON)').fill('{"amount": 5000}');
    await tryBox.getByRole('button', { name: 'Try' }).click();
    const result = tryBox.getByTestId('try-result');
    await poll(() => result.innerText()).toContain('REVIEW');
    expect(await tryBox.getByTestId('try-rule').innerText()).toBe('large-transfers');
    expect(await result.innerText()).toContain('A transfer of $5000 needs a person');

    await tryBox.getByLabel('Arguments (JSON)').fill('{"amount": 20}');
    await tryBox.getByRole('button', { name: 'Try' }).click();
    await poll(() => tryBox.getByTestId('try-rule').innerText()).toBe('small-transfers');
    expect(await result.innerText()).toContain('ALLOWED');
    await screenshotBoth(page, 'rule-editor-try', () => result.waitFor());

    await tryBox.getByLabel('Arguments (JSON)').fill('{"amount": ');
    await tryBox.getByRole('button', { name: 'Try' }).click();
    await tryBox.getByText('The arguments are not valid JSON').waitFor();
    expect(await result.count()).toBe(0);

    const after = await dash.srv.api().audit.list.query({ agent: LOANS, limit: 200 });
    expect(after.entries.map((e) => e.id)).toEqual(before.entries.map((e) => e.id));
    expect(await dash.srv.api().policies.document.query({ agent: LOANS })).toMatchObject({
      document: null,
    });
    await expectAccessible(page);
  });

  it('saves the draft as a new version with its message; the table shows the rules', async () => {
    const { page } = dash;
    const section = page.getByRole('region', { name: 'Conditional rules' });
    await section.getByLabel('Change message').fill('large transfers need a person');
    await section.getByRole('button', { name: 'Save' }).click();
    await poll(() => section.getByTestId('rule-row').count()).toBe(2);
    expect(await section.getByTestId('rule-row').nth(1).innerText()).toMatch(
      /large-transfers[\s\S]*args\.amount > 1000\.0[\s\S]*REVIEW/,
    );
    const stored = await dash.srv.api().policies.document.query({ agent: LOANS });
    expect(stored).toMatchObject({
      message: 'large transfers need a person',
      author: expect.any(String),
    });
    expect(stored.document?.rules.map((r) => r.id)).toEqual(['small-transfers', 'large-transfers']);
    // The stored rules now decide the agent's calls ("try" without a draft reads them).
    const tryBox = section.getByRole('form', { name: 'Try a call' });
    await tryBox.getByLabel('Action').fill('transfer_funds');
    await tryBox.getByLabel('Arguments (JSON)').fill('{"amount": 5000}');
    await tryBox.getByRole('button', { name: 'Try' }).click();
    await poll(() => tryBox.getByTestId('try-rule').innerText()).toBe('large-transfers');
    // The lists show what a transfer does when no condition matches (allowed), marked with the
    // rule that may hold it — not filed under review as the seed's list shape would.
    const transfer = page
      .getByRole('list', { name: 'Allowed actions' })
      .getByRole('listitem')
      .filter({ hasText: 'transfer_funds' });
    await transfer.getByTestId('condition-mark').waitFor();
    expect(await transfer.getByTestId('condition-mark').getAttribute('title')).toContain(
      'large-transfers',
    );
    expect(
      await page.getByRole('list', { name: 'Review actions' }).getByText('transfer_funds').count(),
    ).toBe(0);
    await page.getByTestId('policy-conditional-note').waitFor();
    await screenshotBoth(page, 'rule-editor-saved', () =>
      section.getByTestId('rule-row').first().waitFor(),
    );
  });

  it('edits the global rules on their own page, with the agent to try a call as', async () => {
    const { page } = dash;
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Global rules' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Global rules' }).waitFor();
    const section = page.getByRole('region', { name: 'Global rules' });
    await section.getByRole('button', { name: 'Edit rules' }).click();
    await section.getByLabel('Rule document (YAML)').fill(`kind: GlobalPolicy
rules:
  - id: no-deletes
    actions: ["delete_*"]
    effect: BLOCK
  - id: odd
    actions: [x]
    when: args.amount.size(
    effect: REVIEW
`);
    await poll(() => section.getByTestId('policy-problem').first().innerText()).toMatch(
      /Line 8, column \d+[\s\S]*rule 2 “odd” › when/,
    );
    await section
      .getByLabel('Rule document (YAML)')
      .fill(
        'kind: GlobalPolicy\nrules:\n  - id: no-deletes\n    actions: ["delete_*"]\n    effect: BLOCK\n',
      );
    await section.getByTestId('draft-valid').waitFor();
    const tryBox = section.getByRole('form', { name: 'Try a call' });
    await tryBox.getByLabel('Agent').selectOption(LOANS);
    await tryBox.getByLabel('Action').fill('delete_records');
    await tryBox.getByRole('button', { name: 'Try' }).click();
    await poll(() => tryBox.getByTestId('try-rule').innerText()).toBe('no-deletes');
    expect(await tryBox.getByTestId('try-result').innerText()).toMatch(/BLOCKED[\s\S]*global/);
    await expectAccessible(page);
    expect(dash.browser.errors).toEqual([]);
  });

  it('reads on a 390 px phone: each rule stacks, no name or condition broken letter by letter', async () => {
    const { page } = dash;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(dash.srv.url + `/agents/${encodeURIComponent(LOANS)}`);
    const section = page.getByRole('region', { name: 'Conditional rules' });
    const rows = section.getByTestId('rule-row');
    await poll(() => rows.count()).toBe(2);
    // Before: six table columns of ~50 px, "large-transfers" split over four lines and the
    // Reason column scrolled out of sight.
    const ids = await rows
      .getByTestId('rule-id')
      .evaluateAll((els) =>
        els.map((el) =>
          Math.round(
            el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight),
          ),
        ),
      );
    expect(ids).toEqual([1, 1]);
    const cells = await rows
      .locator('td')
      .evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().right)));
    expect(Math.max(...cells)).toBeLessThanOrEqual(390);
    // Each cell says which column it is (a label before it, the table's header being hidden).
    expect(await rows.nth(1).locator('td[data-label="When"]').innerText()).toBe(
      'args.amount > 1000.0',
    );
    await expectAccessible(page);
    await page.setViewportSize(DESKTOP);
  });
});
