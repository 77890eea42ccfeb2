import type { Page } from 'playwright-core';
import type { Api } from './server';

/** Retries `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A tool call as a waiting SDK would make it: decide; on REVIEW wait for a person's decision,
 * then decide again (the approval is redeemed once, for exactly these arguments).
 */
export async function waitingCall(api: Api, agent: string, action: string, args: Record<string, unknown>, onReview?: (approvalId: number) => void) {
  const first = await api.sdk.decide.mutate({ agent, action, args });
  if (first.verdict !== 'REVIEW' || first.approvalId === null) return first;
  onReview?.(first.approvalId);
  const approvalId = first.approvalId;
  const decided = await waitFor(
    async () => {
      const a = await api.sdk.approvalStatus.query({ id: approvalId });
      return a.status === 'PENDING' ? undefined : a;
    },
    `approval #${approvalId} to be decided`,
    45_000,
  );
  if (decided.status !== 'APPROVED') return { ...first, verdict: 'BLOCKED' as const, reason: `approval ${decided.status}` };
  return api.sdk.decide.mutate({ agent, action, args });
}

/** Marks the window so a test can prove a page updated in place rather than by reloading. */
export async function markPage(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => {
    (window as unknown as { __aegisMark?: boolean }).__aegisMark = true;
  });
  return () => page.evaluate(() => (window as unknown as { __aegisMark?: boolean }).__aegisMark === true);
}
