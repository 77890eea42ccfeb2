import type { Logger } from 'pino';
import type { Repos } from '../../data/repos';
import { IncrementSet } from '../../data/repos/rollupIncrements';
import { KnownRuns, runsOf } from '../../data/repos/rollupRuns';
import { ActionCap } from '../../data/repos/rollupActionCap';
import { recoveredThroughOp, WATERMARK_GRACE_MS } from '../../data/repos/rollupWatermarks';
import { ROLLUP_LEASE_KEY } from './rebuild';

const LEASE_MS = 30 * 60_000;

/**
 * Counts the entries of servers that stopped before their rollup counters were written: each
 * writer whose watermark has not beaten for WATERMARK_GRACE_MS has its entries past the watermark
 * read from the log and counted, page by page, each page's counters and the watermark's move in
 * one command (a recovery that stops half-way resumes where it was); then the watermark goes.
 * Under the rebuild's lease, and not while the rollups are being rebuilt: the two never count
 * one entry twice. Any server may run it at any time. Returns the entries counted.
 */
export async function recoverWriters(
  repos: Repos,
  logger: Logger,
  self: string,
  now = Date.now(),
): Promise<number> {
  const before = new Date(now - WATERMARK_GRACE_MS);
  if ((await repos.rollups.watermarks.stale(before, self)).length === 0) return 0;
  const token = `recover:${self}:${now}`;
  if (!(await repos.leases.tryTake(ROLLUP_LEASE_KEY, token, LEASE_MS))) return 0;
  let counted = 0;
  try {
    if (!(await repos.rollups.current())) return 0;
    for (const stale of await repos.rollups.watermarks.stale(before, self)) {
      const n = await recoverWriter(repos, stale.writer, stale.through);
      // Gone unless it beat meanwhile (a server that was only slow keeps its watermark).
      const after = await repos.rollups.watermarks.get(stale.writer);
      if (after) await repos.rollups.watermarks.forget(stale.writer, after.through, stale.beat);
      if (n > 0)
        logger.warn(
          { writer: stale.writer, entries: n },
          'counted in analytics the entries a stopped server had not counted yet',
        );
      counted += n;
    }
  } finally {
    await repos.leases.release(ROLLUP_LEASE_KEY, token).catch(() => undefined);
  }
  return counted;
}

async function recoverWriter(repos: Repos, writer: string, through: number): Promise<number> {
  const actions = new ActionCap();
  const known = new KnownRuns();
  let counted = 0;
  for await (const page of repos.rollups.writerPages(writer, through)) {
    const approvals = page
      .filter((e) => e.source === 'person' && e.approvalId !== null)
      .map((e) => e.approvalId as number);
    const created = await repos.rollups.approvalsCreated(approvals);
    const unknown = actions.unknown(page.map((e) => e.agent));
    if (unknown.length > 0)
      for (const [agent, itemised] of await repos.rollups.itemisedActions(unknown))
        actions.load(agent, itemised);
    const set = new IncrementSet(actions);
    for (const entry of page) set.add(entry, created);
    const last = page[page.length - 1]!.id;
    await repos.rollups.apply(set.values(), [recoveredThroughOp(writer, last)]);
    await repos.rollups.recordRuns(runsOf(page), known);
    counted += page.length;
  }
  return counted;
}
