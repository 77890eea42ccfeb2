import { describe, expect, it } from 'vitest';
import { agentPath, poll, useDashboard } from './helpers/fixture';
import { LOANS } from './helpers/seed';

// Before saving a rule change, an admin sees what it would have decided differently over the
// agent's recent calls (policies.replay), each change with links to the calls it would have hit;
// nothing is saved by looking.

const dash = useDashboard();

const draft = (effect: 'BLOCK' | 'ALLOW') => `kind: AgentPolicy
agent: "${LOANS}"
rules:
  - id: no-credit-checks
    actions: [check_credit_score]
    effect: ${effect}
    reason: Credit checks are paused
`;

describe('replaying a draft before saving it', () => {
  it('says which past calls it would have decided differently, links them, and saves nothing', async () => {
    const { page, srv } = dash;
    const before = await srv.api().policies.document.query({ agent: LOANS });
    await page.goto(srv.url + agentPath(LOANS));
    const section = page.getByRole('region', { name: 'Conditional rules' });
    await section.getByRole('button', { name: 'Edit rules' }).click();
    await section.getByLabel('Rule document (YAML)').fill(draft('BLOCK'));
    await section.getByTestId('draft-valid').waitFor();

    const replay = section.getByTestId('replay-draft');
    await replay.getByRole('button', { name: 'Replay on past calls' }).click();
    await poll(() => replay.getByTestId('replay-summary').textContent()).toMatch(
      /^Replayed \d+ decisions of the last 7 days: 1 would have been decided differently\.$/,
    );
    const change = replay.getByTestId('replay-change');
    expect(await change.innerText()).toMatch(
      /^no-credit-checks: ALLOWED → BLOCKED × 1 — e\.g\. #\d+ check_credit_score$/,
    );

    // A changed draft: the answer was for the other one, so it goes.
    await section.getByLabel('Rule document (YAML)').fill(draft('ALLOW'));
    await poll(() => replay.getByTestId('replay-summary').count()).toBe(0);
    await replay.getByRole('button', { name: 'Replay on past calls' }).click();
    await poll(() => replay.getByTestId('replay-summary').textContent()).toMatch(
      /none would have been decided differently\.$/,
    );

    // Nothing was saved by replaying.
    expect(await srv.api().policies.document.query({ agent: LOANS })).toEqual(before);

    // The example links open the call it would have hit.
    await section.getByLabel('Rule document (YAML)').fill(draft('BLOCK'));
    await replay.getByRole('button', { name: 'Replay on past calls' }).click();
    await replay.getByRole('link', { name: /check_credit_score/ }).click();
    await page.waitForURL(/\/activity\/\d+$/);
    await page.getByText('check_credit_score').first().waitFor();
  });
});
