import { maskedText } from '@aegis/shared';
import type { ServiceDeps } from './deps';
import type { Services } from './types';
import { noteAction } from './actions';
import { argsPreview } from './args';
import { keysToRead, planBatch } from './localBatch';
import { unknownAgent } from './errors';
import type { CachedPolicy } from './policyCache';
import { createReportChecker, type Claim } from './reports';
import { callTags } from './evaluateCall';
import { verifyAuditChain } from '../auth/verifyAudit';

/** Reads of the audit log, single writes (the seed's /sdk/log) and local-mode batches (see planBatch). */
export function createAuditService(deps: ServiceDeps): Services['audit'] {
  const { repos, cache, locks } = deps;
  const reports = createReportChecker(deps);

  /** The agents' cached policies (their custom detectors scan the arguments); unknown → 404. */
  async function assertKnown(agents: Iterable<string>): Promise<Map<string, CachedPolicy>> {
    const known = new Map<string, CachedPolicy>();
    for (const agent of new Set(agents)) {
      const snap = await cache.get(agent);
      if (!snap) throw unknownAgent(agent);
      known.set(agent, snap);
    }
    return known;
  }

  return {
    async verify(noted) {
      await repos.audit.drain();
      return verifyAuditChain(deps.connection, noted);
    },

    list: (query) => repos.audit.list(query),

    count: (query) => repos.audit.count(query),

    stream: (query, max) => repos.audit.stream(query, max),

    since: (afterId, agent, limit = 200) => repos.audit.since(afterId, agent, limit),

    resumeFloor: (cap, agent) => repos.audit.resumeFloor(agent, cap),

    // At most a live feed's worth (the dashboard keeps 300).
    recentStart: (windowMs, agent) => repos.audit.recentStart(windowMs, agent, 300),

    note: (note, actor) => noteAction(repos, note, actor),

    async write(entry, actor) {
      const known = await assertKnown([entry.agent]);
      const claim: Claim = { ...entry, args: entry.args ?? undefined, at: new Date(), version: null, dated: false };
      const violations = await reports.check([claim]);
      if (violations.length > 0) await reports.refuse(violations, actor, 'report');
      return repos.audit.write({
        timestamp: new Date(),
        agent: entry.agent,
        action: entry.action,
        status: entry.status,
        source: 'agent',
        actor: actor.name,
        // Free text the agent wrote: stored masked, like its arguments (the log is hash-chained)
        details: maskedText(entry.details, known.get(entry.agent)?.set.detectors),
        callId: entry.callId ?? null,
        approvalId: entry.approvalId ?? null,
        argsPreview: argsPreview(entry.args),
      });
    },

    async writeBatch(batch, actor) {
      const known = await assertKnown(batch.entries.map((e) => e.agent));
      // One batch at a time, so the checks below cannot race another batch's writes.
      return locks.run('audit:batch', async () => {
        const stored = await repos.audit.byEntryKeys(keysToRead(batch));
        // Every new record is a report: checked before anything of the batch is written.
        const claims: Claim[] = batch.entries
          .filter((e) => !stored.has(e.entryKey))
          .map((e) => ({
            agent: e.agent,
            action: e.action,
            status: e.status,
            at: new Date(e.decidedAt),
            version: e.policyVersion,
            entryKey: e.entryKey,
            dated: true,
            args: e.args,
            tool: e.tool,
            rule: e.rule ?? undefined,
            details: e.details,
            argsRedacted: e.argsRedacted === true,
          }));
        const violations = await reports.check(claims);
        if (violations.length > 0) await reports.refuse(violations, actor, 'local-mode record');
        const { inserts, recoveries, outcomeUpdates, counts } = planBatch(
          batch,
          stored,
          actor,
          (agent) => known.get(agent)?.set.detectors ?? [],
          (agent, action, sent) => {
            const snap = known.get(agent);
            return snap ? callTags(snap, action, sent) : sent;
          },
        );
        if (recoveries.length > 0) {
          const written = await repos.audit.errorEntriesOf(recoveries);
          inserts.push(...recoveries.filter((r) => !written.has(`${r.agent}\n${r.callId}`)));
        }
        const [, updated] = await Promise.all([
          Promise.all(inserts.map((record) => repos.audit.write(record))),
          repos.audit.setOutcomesByKey(outcomeUpdates),
        ]);
        return {
          stored: counts.stored,
          duplicates: counts.duplicates,
          outcomes: counts.mergedOutcomes + updated,
          outcomeDuplicates: counts.outcomeDuplicates + outcomeUpdates.length - updated,
        };
      });
    },
  };
}
