import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { buildDashboard } from './buildDashboard';
import { startE2eServer, type E2eServer } from './server';
import { launchBrowser, signInWithLink, type Browser } from './browser';
import { unnamedControls } from './a11y';
import { lowContrastTexts } from './contrast';
import { seed, type Seeded } from './seed';
import { useFixture } from '../../../server/test/helpers/useTestServer';

export interface Dashboard {
  srv: E2eServer;
  seeded: Seeded;
  /** An admin's browser, signed in through the printed one-time link. */
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** The built dashboard on a real server with seeded agents, and an admin signed in. */
async function openDashboard(server: ServerOptions = {}): Promise<Dashboard> {
  const dist = await buildDashboard();
  const srv = await startE2eServer(dist, server);
  const seeded = await seed(srv.api(), srv.url);
  const browser = await launchBrowser();
  await signInWithLink(browser.page, srv.url, srv.loginToken);
  return {
    srv,
    seeded,
    browser,
    page: browser.page,
    async close() {
      await browser.close();
      await seeded.aegis.close();
      await srv.close();
    },
  };
}

/** Server options a test file may change (e.g. `reportMaxAgeMs`, to report calls made days ago). */
type ServerOptions = Parameters<typeof startE2eServer>[1];

/** {@link openDashboard} for the tests of one file: opened before the first, closed after the last. */
export function useDashboard(server: ServerOptions = {}): Omit<Dashboard, 'close'> {
  const dashboard = useFixture(
    () => openDashboard(server),
    (d) => d.close(),
  );
  return {
    get srv() {
      return dashboard().srv;
    },
    get seeded() {
      return dashboard().seeded;
    },
    get browser() {
      return dashboard().browser;
    },
    get page() {
      return dashboard().page;
    },
  };
}

/**
 * A fresh install for the tests of one file: the built dashboard on a real server with nothing in
 * it (no agents, no history), and an admin's browser signed in through the printed link.
 */
export function useFreshInstall(): { server: () => E2eServer; signedIn: () => Browser } {
  const server = useFixture(async () => startE2eServer(await buildDashboard()), (s) => s.close());
  const signedIn = useFixture(
    async () => {
      const browser = await launchBrowser();
      await signInWithLink(browser.page, server().url, server().loginToken);
      return browser;
    },
    (browser) => browser.close(),
  );
  return { server, signedIn };
}

/** Live updates arrive when they arrive: wait generously on a busy machine, never assert how fast. */
export const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });

export const agentPath = (name: string) => `/agents/${encodeURIComponent(name)}`;

/** Every control has an accessible name, and every text has enough contrast to be read. */
export async function expectAccessible(page: Page): Promise<void> {
  expect(await unnamedControls(page)).toEqual([]);
  expect(await lowContrastTexts(page)).toEqual([]);
}
