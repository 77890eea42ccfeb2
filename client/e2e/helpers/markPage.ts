import type { Page } from 'playwright-core';

/** Marks the window so a test can prove a page updated in place rather than by reloading. */
export async function markPage(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => {
    (window as unknown as { __aegisMark?: boolean }).__aegisMark = true;
  });
  return () => page.evaluate(() => (window as unknown as { __aegisMark?: boolean }).__aegisMark === true);
}
