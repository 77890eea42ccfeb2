import { MAX_WAIT_MS } from '@aegis/shared';
import type { ChangeFeed } from './changeFeed';
import type { AegisApi } from './transport';
import type { ApprovalStatus } from './types';

/** How a wait for a human decision ended. */
export type ApprovalOutcome = Exclude<ApprovalStatus, 'PENDING'> | 'TIMEOUT' | 'CANCELLED';

/**
 * Waits for a reviewer's decision on one approval, pushed over SSE (no polling). After the stream
 * (re)connects it asks the server once, in case the decision came before we were listening.
 * Resolves TIMEOUT after `timeoutMs`, CANCELLED when `signal` aborts; the caller then expires
 * the approval on the server.
 */
export function waitForApproval(
  api: AegisApi,
  feed: ChangeFeed,
  approvalId: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ApprovalOutcome> {
  return new Promise<ApprovalOutcome>((resolve) => {
    let done = false;
    const cleanups: Array<() => void> = [];
    const finish = (outcome: ApprovalOutcome) => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups) cleanup();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('TIMEOUT'), timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    if (signal) {
      const onAbort = () => finish('CANCELLED');
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    cleanups.push(
      feed.on((event) => {
        if (
          event.type === 'approval.decided' &&
          event.approval.id === approvalId &&
          event.approval.status !== 'PENDING'
        ) {
          finish(event.approval.status);
        }
      }),
    );
    const checkOnce = () => {
      api.sdk.approvalStatus
        .query({ id: approvalId })
        .then((approval) => {
          if (approval.status !== 'PENDING') finish(approval.status);
        })
        // A failed check is harmless: the pushed event or the timeout still ends the wait.
        .catch(() => undefined);
    };
    cleanups.push(feed.onStarted(checkOnce));
    cleanups.push(feed.acquire());
    if (feed.connected) checkOnce();
  });
}

/**
 * The wait to announce with a call (`waitMs`), so the approval it may open ends when the caller
 * stops waiting: a reviewer sees the real deadline, and a crashed caller leaves no approval
 * pending for the server's whole TTL. None for a wait longer than any approval lasts.
 */
export function waitToAnnounce(timeoutMs: number): { waitMs?: number } {
  if (!Number.isFinite(timeoutMs) || timeoutMs > MAX_WAIT_MS) return {};
  return { waitMs: Math.max(1, Math.ceil(timeoutMs)) };
}
