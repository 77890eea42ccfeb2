import { setTimeout as delay } from 'node:timers/promises';
import type { Aegis } from '@aegis/sdk';

/**
 * Opens the SDK's change feed before the demo resets the server, and keeps it open for the run.
 *
 * Why: the SDK's feed starts by replaying the server's recent events, and the reset restarts
 * approval ids at 1. A feed first opened mid-run would replay an earlier run's
 * "approval #1 decided" and the waiting call would take it for its own. Opened before the reset,
 * the replay is over — delivered to nobody — by the time any call waits.
 *
 * Resolves once the replay has visibly started (first event) or after `quietMs` if the server has
 * nothing to replay; returns the release function.
 */
export async function holdChangeFeed(aegis: Aegis, quietMs = 500): Promise<() => void> {
  let sawEvent!: () => void;
  const first = new Promise<void>((resolve) => (sawEvent = resolve));
  const release = aegis.onChange(() => sawEvent());
  // After the first replayed event the rest of the backlog follows in the same burst.
  await Promise.race([first.then(() => delay(100)), delay(quietMs)]);
  return release;
}
