import type { Logger } from 'pino';
import type { Repos } from '../../data/repos';
import { ROLLUP_VERSION } from '../../data/repos/rollups.repo';
import { IncrementSet } from '../../data/repos/rollupIncrements';
import { KnownRuns, runsOf } from '../../data/repos/rollupRuns';
import { ActionCap } from '../../data/repos/rollupActionCap';

/** Held while the rollups are rebuilt or a stopped server's entries are counted (never both). */
export const ROLLUP_LEASE_KEY = 'rollups.rebuild';
const LEASE_MS = 30 * 60_000;

/**
 * Recomputes every rollup from the audit log (entries up to the newest at the start; later ones
 * are counted live). Meant for start-up and quiet times: an increment already in flight when the
 * old rollups are cleared is counted twice. Until it ends the rollups are not `current` (see
 * markRebuilding); analytics queries, which only ever read rollups, count what is rebuilt so far.
 */
export async function rebuildRollups(
  repos: Repos,
  logger: Logger,
): Promise<{ entries: number; through: number }> {
  const through = await repos.rollups.auditHead();
  await repos.rollups.markRebuilding();
  await repos.rollups.deleteAll();
  let entries = 0;
  const known = new KnownRuns();
  // Across pages: the first actions of an agent in the log are the ones itemised, as when counted live.
  const actions = new ActionCap();
  for await (const page of repos.rollups.auditPages(through)) {
    const ids = page
      .filter((e) => e.source === 'person' && e.approvalId !== null)
      .map((e) => e.approvalId as number);
    const created = await repos.rollups.approvalsCreated(ids);
    const set = new IncrementSet(actions);
    for (const entry of page) set.add(entry, created);
    await repos.rollups.apply(set.values());
    await repos.rollups.recordRuns(runsOf(page), known);
    entries += page.length;
  }
  await repos.rollups.markBuilt(through);
  logger.info({ entries, through }, 'analytics rollups rebuilt from the audit log');
  return { entries, through };
}

/**
 * At start-up: rebuild when the rollups were never built (a log from before they existed) or
 * hold an older layout. One server does it (a database lease); the others count live meanwhile.
 * Resolves true when this server rebuilt them from a log holding entries.
 */
export async function ensureRollups(repos: Repos, logger: Logger): Promise<boolean> {
  const meta = await repos.rollups.meta();
  if (meta?.version === ROLLUP_VERSION) return false;
  const token = `rebuild:${process.pid}:${Date.now()}`;
  if (!(await repos.leases.tryTake(ROLLUP_LEASE_KEY, token, LEASE_MS))) return false;
  try {
    if ((await repos.rollups.meta())?.version === ROLLUP_VERSION) return false;
    return (await rebuildRollups(repos, logger)).entries > 0;
  } finally {
    await repos.leases.release(ROLLUP_LEASE_KEY, token).catch(() => undefined);
  }
}
