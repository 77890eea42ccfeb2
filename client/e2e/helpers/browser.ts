import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const screenshotDir = path.join(repoRoot, 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far, across every page of this browser. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Debian's Chromium, launched as STACK.md says: a persistent context on a fresh profile, with
 * the flags that keep it from reaching for the (closed) network.
 */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'aegis-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    viewport: DESKTOP,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`${page.url()}: uncaught ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the one-time login link the server prints; the page exchanges it for a session. */
export async function signInWithLink(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/login?token=${encodeURIComponent(token)}`);
  await page.waitForURL(`${url}/`);
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}

/** Signs in through the login page with an API key, as a person pasting their key would. */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/`);
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}

/** Full-page screenshots at desktop and phone widths, into the git-ignored screenshots/ folder. */
export async function screenshotBoth(
  page: Page,
  name: string,
  ready: () => Promise<unknown>,
  phone: { width: number; height: number } = PHONE,
): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  for (const [label, size] of [['desktop', DESKTOP], [String(phone.width), phone]] as const) {
    await page.setViewportSize(size);
    await ready();
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${label}.png`), fullPage: true, animations: 'disabled' });
  }
  await page.setViewportSize(DESKTOP);
}
