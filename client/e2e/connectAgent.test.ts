import { describe, expect, it } from 'vitest';
import { createAegis } from '@aegis/sdk';
import { expectAccessible, useFreshInstall } from './helpers/fixture';

// A team that just installed Aegis, before any agent exists: the empty pages say how to connect
// one (which key, this server's address, the SDK lines), and the key made from there works.

const { server, signedIn } = useFreshInstall();

describe('connecting the first agent', () => {
  it('says where to try a call once an agent exists, instead of an empty agent list', async () => {
    const srv = server();
    const { page } = signedIn();
    await page.goto(srv.url + '/rules');
    const note = page.getByTestId('try-call-no-agents');
    await note.waitFor();
    expect(await note.innerText()).toContain('no agent has registered yet');
    expect(await page.getByRole('button', { name: 'Try' }).count()).toBe(0);
    await expectAccessible(page);
  });

  it('leads from the empty Agents page to an agent key and the lines to give the agent', async () => {
    const srv = server();
    const { page, errors } = signedIn();
    await page.goto(srv.url + '/agents');
    const steps = page.getByTestId('connect-agent');
    await steps.waitFor();
    expect(await page.getByTestId('connect-env').innerText()).toContain(`AEGIS_URL=${srv.url}`);
    expect(await steps.innerText()).toContain('npx aegis status');
    await expectAccessible(page);

    await steps.getByRole('link', { name: 'Create an agent key' }).click();
    await page.waitForURL(/\/keys\?new=agent$/);
    const dialog = page.getByRole('dialog', { name: 'New API key' });
    await dialog.waitFor();
    await page.keyboard.type('payments-bot'); // focus is in the name field
    await dialog
      .getByRole('textbox', { name: 'Agent names (comma-separated)' })
      .fill('payments-bot');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('new-key-secret').inputValue();
    expect(await page.getByTestId('new-key-env').innerText()).toBe(
      `AEGIS_URL=${srv.url}\nAEGIS_API_KEY=${secret}`,
    );
    await page.getByRole('button', { name: 'Done, I’ve stored it' }).click();
    await page.waitForURL(srv.url + '/keys'); // closed: a reload doesn't open it again

    // the lines work: the agent declares itself with that key and shows up on the page
    const aegis = createAegis({ url: srv.url, apiKey: secret, requestTimeoutMs: 30_000 });
    try {
      await aegis.agent('payments-bot', { allows: ['lookup_balance'], blocks: [] }).register();
    } finally {
      await aegis.close();
    }
    await page.goto(srv.url + '/agents');
    await page.getByRole('listitem').filter({ hasText: 'payments-bot' }).waitFor();
    expect(await page.getByTestId('connect-agent').count()).toBe(0);
    await page.goto(srv.url + '/rules');
    await page.getByRole('button', { name: 'Try' }).waitFor();
    expect(errors).toEqual([]);
  });
});
