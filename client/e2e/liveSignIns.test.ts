import { describe, expect, it } from 'vitest';
import { screenshotBoth } from './helpers/browser';
import { expectAccessible, poll, useDashboard } from './helpers/fixture';

// A security team signing in to the dashboard must not bury what the Overview's live feed is
// watched for: the agents' decisions. Sign-ins stay one click away, counted.

const dash = useDashboard();

describe("the Overview's live activity", () => {
  it('leaves sign-ins out by default, counted, and shows them on asking', async () => {
    const { page, srv, seeded } = dash;
    // A team signing in: more sign-ins than the feed has rows.
    for (let i = 0; i < 16; i++) await srv.api().auth.login.mutate({ key: seeded.viewerKey });
    await page.goto(srv.url + '/');
    const feed = page.getByRole('list', { name: 'Live activity' });
    await feed.getByText('access_credit_card', { exact: true }).waitFor();
    const actions = () =>
      feed.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
    expect((await actions()).filter((a) => a.includes('aegis:login'))).toEqual([]);
    const toggle = page.getByTestId('sign-ins-toggle');
    expect(await toggle.innerText()).toMatch(/^Show (1[7-9]|[2-9]\d) sign-ins$/);
    await expectAccessible(page);
    await screenshotBoth(page, 'overview-live-activity', () => feed.waitFor());

    await toggle.click();
    await poll(async () => (await actions()).filter((a) => a.includes('aegis:login')).length).toBe(
      15,
    );
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await toggle.innerText()).toMatch(/^Hide \d+ sign-ins$/);
  });
});
