import type { ServiceDeps } from './deps';

/** How long past a caller's announced wait its approval stays usable. */
export const WAIT_GRACE_MS = 30_000;

/**
 * Slack when telling whether an approval outlives a caller that gave up: its expiry is that
 * caller's own wait plus the grace (set by this or another server's clock), or later when
 * another caller of the same call waits longer.
 */
const CLOCK_SLACK_MS = 2_000;

/** The latest expiry an approval can have when only the caller giving up at `now` waited on it. */
export function ownWaitEnd(now: Date): Date {
  return new Date(now.getTime() + WAIT_GRACE_MS + CLOCK_SLACK_MS);
}

/**
 * A caller's announced wait ends its approval (plus {@link WAIT_GRACE_MS}, so a decision made in
 * its last moment can still be used), never later than the server's approval TTL. Without it, an
 * approval whose caller crashed would stay pending — and look live on the dashboard — for the
 * whole TTL; a caller that gives up on time expires it itself (`sdk.approvalTimeout`).
 */
export function waitDeadline(
  waitMs: number | undefined,
  now: Date,
  approvalTtlMs: number,
): Date | null {
  if (waitMs === undefined) return null;
  return new Date(now.getTime() + Math.min(approvalTtlMs, waitMs + WAIT_GRACE_MS));
}

/**
 * Opens an approval with `open` unless this agent already has `maxPendingApprovals` waiting;
 * then answers why not instead. The call is refused, not queued: a reviewer can't weigh the
 * thousandth request of a flood, and a hold nobody can look at is no control (fail closed).
 * Counting and opening hold one lock per agent (a database lease, so across servers too):
 * calls with different arguments would otherwise all count the same number and all open.
 */
export function openWithinLimit<T>(
  deps: Pick<ServiceDeps, 'repos' | 'maxPendingApprovals' | 'locks'>,
  agent: string,
  now: Date,
  open: () => Promise<T>,
): Promise<{ opened: T } | { refused: string }> {
  return deps.locks.run(`approvals-of:${agent}`, async () => {
    const waiting = await deps.repos.approvals.countPendingFor(agent, now);
    if (waiting >= deps.maxPendingApprovals) {
      return {
        refused: `Not held for review: agent "${agent}" already has ${waiting} approvals waiting (AEGIS_MAX_PENDING_APPROVALS is ${deps.maxPendingApprovals}); refused until reviewers catch up`,
      };
    }
    return { opened: await open() };
  });
}
