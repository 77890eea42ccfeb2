import { readFile } from 'node:fs/promises';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentPath, poll, useDashboard } from './helpers/fixture';
import { DESKTOP, PHONE, screenshotDir, screenshotBoth } from './helpers/browser';
import { FRAUD, LOANS, SUPPORT, attempt } from './helpers/seed';

// Issue 17: Activity as an investigation tool (search in masked arguments, filters in the URL,
// the range picker, export of the filter), decisions that can be undone, 375 px everywhere.

const dash = useDashboard();
const rows = () => dash.page.getByTestId('audit-row');

describe('Activity search, filters and range', () => {
  it('finds a value inside the masked arguments, never the hidden one', async () => {
    await dash.page.goto(dash.srv.url + '/activity');
    await rows().first().waitFor();
    const search = dash.page.getByRole('searchbox', { name: 'Search actions and details' });
    await search.fill('6789');
    await dash.page.waitForURL(/q=6789/);
    await poll(() => rows().allInnerTexts()).toEqual([
      expect.stringMatching(/access_ssn[\s\S]*"ssn":"\*\*\*-\*\*-6789"/),
    ]);
    await search.fill('123-45');
    await dash.page.getByText('Nothing matches these filters').waitFor();
    // words, not substrings: "customer" finds customer_id in every agent's arguments
    await search.fill('customer');
    await poll(async () => (await rows().count()) >= 5).toBe(true);
  });

  it('filters several statuses and agents at once, kept in the URL', async () => {
    await dash.page.goto(
      dash.srv.url +
        `/activity?status=BLOCKED,KILLED&agent=${encodeURIComponent(LOANS)},${encodeURIComponent(SUPPORT)}`,
    );
    await rows().first().waitFor();
    const texts = await rows().allInnerTexts();
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const t of texts)
      expect(t).toMatch(/^(BLOCKED|KILLED)[\s\S]*(Loan Processor|Customer Support)/);
    expect(texts.some((t) => t.includes(FRAUD))).toBe(false);
    // the multi-select shows what the URL says, and unticking writes the URL back
    const statuses = dash.page.getByTestId('multi-Filter by status');
    await statuses.locator('summary').click();
    // the box follows the URL, which updates a moment after the click
    await statuses.getByRole('checkbox', { name: 'KILLED' }).click();
    await dash.page.waitForURL((u) => u.searchParams.get('status') === 'BLOCKED');
  });

  it('the range picker changes what Activity shows', async () => {
    await dash.page.goto(
      dash.srv.url + '/activity?from=2001-01-01T00:00:00.000Z&to=2001-01-02T00:00:00.000Z',
    );
    await dash.page.getByText('Nothing matches these filters').waitFor();
    await dash.page.getByRole('combobox', { name: 'Time range' }).selectOption('1h');
    await dash.page.waitForURL(
      (u) => u.searchParams.get('range') === '1h' && !u.searchParams.has('from'),
    );
    await rows().first().waitFor();
    await dash.page.getByRole('combobox', { name: 'Time range' }).selectOption('all');
    await dash.page.waitForURL((u) => !u.searchParams.has('range'));
    await rows().first().waitFor();
  });
});

describe('export', () => {
  it('downloads a CSV whose rows are exactly the filtered entries', async () => {
    await dash.page.goto(dash.srv.url + '/activity?status=BLOCKED&q=delete_records');
    await rows().first().waitFor();
    const shownIds = await rows().evaluateAll((els) =>
      els.map((el) => Number(el.getAttribute('data-id'))),
    );
    const [download] = await Promise.all([
      dash.page.waitForEvent('download'),
      dash.page.getByTestId('export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^aegis-audit-.*\.csv$/);
    const text = await readFile(await download.path(), 'utf8');
    const [header, ...lines] = text.trim().split('\r\n');
    expect(header).toMatch(/^id,timestamp,agent,action,status/);
    expect(lines.map((l) => l.split(',')[3])).toEqual(lines.map(() => 'delete_records'));
    expect(lines.map((l) => l.split(',')[4])).toEqual(lines.map(() => 'BLOCKED'));
    expect(lines.map((l) => Number(l.split(',')[0]))).toEqual(shownIds);
  });
});

describe('safer decisions', { timeout: 120_000 }, () => {
  it('an approval can be undone within 5 s: nothing reaches the server; a comment goes with the decision', async () => {
    const call = attempt(
      dash.seeded.aegis,
      SUPPORT,
      'close_account',
      { account: 'ACC-77' },
      { timeoutMs: 60_000 },
    );
    await dash.page.goto(dash.srv.url + '/approvals');
    const card = dash.page.getByTestId('approval-card').filter({ hasText: 'close_account' });
    await card.waitFor();
    const id = Number(await card.getAttribute('data-approval-id'));
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await card.getByTestId('undo-bar').waitFor();
    await card.getByRole('button', { name: 'Undo' }).click();
    await card.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    // well past the undo window: still pending on the server
    await new Promise((r) => setTimeout(r, 6500));
    expect((await dash.srv.api().approvals.byId.query({ id })).status).toBe('PENDING');
    await card
      .getByRole('textbox', { name: `Comment on request ${id} (optional)` })
      .fill('customer asked twice');
    await card.getByRole('button', { name: 'Deny', exact: true }).click();
    expect(await call).toBe('APPROVAL_DENIED');
    const decided = await dash.srv.api().approvals.byId.query({ id });
    expect(decided).toMatchObject({ status: 'DENIED', comment: 'customer asked twice' });
    const recent = dash.page
      .getByRole('list', { name: 'Recently decided approvals' })
      .getByRole('listitem')
      .filter({ hasText: 'close_account' });
    await poll(() => recent.first().innerText()).toContain('customer asked twice');
  });

  it('"always allow" asks first, and Recently decided shows the rule it made', async () => {
    const call = attempt(
      dash.seeded.aegis,
      LOANS,
      'prequalify',
      { customer_id: 5 },
      { timeoutMs: 60_000 },
    );
    await dash.page.goto(dash.srv.url + '/approvals');
    const card = dash.page.getByTestId('approval-card').filter({ hasText: 'prequalify' });
    await card.getByRole('button', { name: 'Always allow' }).click();
    const confirm = card.getByRole('alertdialog', { name: 'Confirm standing rule' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await card.getByRole('button', { name: 'Always allow' }).click();
    await confirm.getByRole('button', { name: 'Yes, always allow' }).click();
    expect(await call).toBe('RAN');
    const recent = dash.page
      .getByRole('list', { name: 'Recently decided approvals' })
      .getByRole('listitem')
      .filter({ hasText: 'prequalify' });
    await poll(() => recent.first().getByTestId('created-rule').innerText()).toMatch(
      /rule created: prequalify: .*allow/i,
    );
  });
});

describe('375 px', { timeout: 120_000 }, () => {
  it('no page overflows horizontally', async () => {
    await dash.page.setViewportSize(PHONE);
    const [entry] = (await dash.srv.api().audit.list.query({ limit: 1 })).entries;
    for (const page of [
      '/',
      '/agents',
      agentPath(FRAUD),
      agentPath(SUPPORT),
      '/activity',
      `/activity/${entry!.id}`,
      '/approvals',
      '/activity?status=BLOCKED,DENIED&range=24h',
    ]) {
      await dash.page.goto(dash.srv.url + page);
      await dash.page.getByRole('heading', { level: 1 }).waitFor();
      await dash.page.waitForLoadState('networkidle');
      const width = await dash.page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, page).toBeLessThanOrEqual(PHONE.width);
    }
    // A trace step's note keeps a readable width: the time wraps below it, not the note word by word.
    await dash.page.goto(`${dash.srv.url}/activity/${entry!.id}`);
    const note = dash.page.getByTestId('trace-note').first();
    await note.waitFor();
    expect((await note.boundingBox())!.width).toBeGreaterThan(180);
    await dash.page.setViewportSize(DESKTOP);
  });
});

describe('screenshots for the README', { timeout: 180_000 }, () => {
  it('an entry detail and a held → approved → run trace, desktop and 375 px, light and dark', async () => {
    await dash.srv.api(dash.seeded.reviewerKey).approvals.decide.mutate({
      id: dash.seeded.pendingApprovalId,
      decision: 'APPROVED',
      comment: 'identity check requested by the customer',
    });
    expect(
      await attempt(dash.seeded.aegis, SUPPORT, 'access_ssn', {
        customer_id: 3,
        ssn: '123-45-6789',
        reason: 'verify identity',
      }),
    ).toBe('RAN');
    const docs = path.resolve(screenshotDir, '..', 'docs', 'screenshots');
    await mkdir(docs, { recursive: true });
    for (const theme of ['light', 'dark'] as const) {
      await dash.page.emulateMedia({ colorScheme: theme });
      await dash.page.evaluate(() => localStorage.removeItem('aegis-theme'));
      await dash.page.goto(dash.srv.url + '/activity');
      const row = rows()
        .filter({ has: dash.page.getByTestId('trace') })
        .first();
      await poll(() => row.getAttribute('data-steps')).toBe('3');
      await row.getByTestId('trace').locator('summary').click();
      await screenshotBoth(dash.page, `trace-${theme}`, () => row.getByTestId('trace').waitFor());
      await row.getByRole('link').first().click();
      await dash.page.getByTestId('trace-step').first().waitFor();
      await screenshotBoth(dash.page, `entry-${theme}`, () =>
        dash.page.getByTestId('trace-step').first().waitFor(),
      );
      for (const name of [`trace-${theme}`, `entry-${theme}`])
        for (const size of ['desktop', '375'])
          await copyFile(
            path.join(screenshotDir, `${name}-${size}.png`),
            path.join(docs, `${name}-${size}.png`),
          );
    }
    await dash.page.emulateMedia({ colorScheme: 'light' });
  });
});
