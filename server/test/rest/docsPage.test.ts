import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';

let server: TestServer;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  server = await startTestServer();
  profile = await mkdtemp(path.join(tmpdir(), 'aegis-docs-browser-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

it('the API reference at /api/docs renders every operation in a browser, under the CSP, from this server only', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  const elsewhere: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url + '/')) elsewhere.push(r.url());
  });

  await page.goto(`${server.url}/api/docs`);
  await page.locator('.opblock').first().waitFor();
  expect(await page.locator('.info .title').innerText()).toContain('Aegis REST API');
  expect(await page.locator('.opblock').count()).toBeGreaterThanOrEqual(24);
  await expect.poll(() => page.locator('.opblock-summary-path', { hasText: '/sdk/decide-approval/{approval_id}' }).count()).toBe(1);
  expect(problems).toEqual([]);
  expect(elsewhere).toEqual([]);
});
