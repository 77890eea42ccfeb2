import type { ServiceDeps } from './deps';
import type { Services } from './types';
import { noteAction } from './actions';
import { argsPreview } from './args';
import { keysToRead, planBatch } from './localBatch';
import { unknownAgent } from './errors';

/** Reads of the audit log, single writes (the seed's /sdk/log) and local-mode batches (see planBatch). */
export function createAuditService(deps: ServiceDeps): Services['audit'] {
  const { repos, cache, locks } = deps;

  async function assertKnown(agents: Iterable<string>): Promise<void> {
    for (const agent of new Set(agents)) {
      if (!(await cache.get(agent))) throw unknownAgent(agent);
    }
  }

  return {
    list: (query) => repos.audit.list(query),

    since: (afterId, agent, limit = 200) => repos.audit.since(afterId, agent, limit),

    note: (note, actor) => noteAction(repos, note, actor),

    async write(entry, actor) {
      await assertKnown([entry.agent]);
      return repos.audit.write({
        timestamp: new Date(),
        agent: entry.agent,
        action: entry.action,
        status: entry.status,
        source: 'agent',
        actor: actor.name,
        details: entry.details,
        callId: entry.callId ?? null,
        approvalId: entry.approvalId ?? null,
        argsPreview: argsPreview(entry.args),
      });
    },

    async writeBatch(batch, actor) {
      await assertKnown(batch.entries.map((e) => e.agent));
      // One batch at a time, so the checks below cannot race another batch's writes.
      return locks.run('audit:batch', async () => {
        const stored = await repos.audit.byEntryKeys(keysToRead(batch));
        const { inserts, recoveries, outcomeUpdates, counts } = planBatch(batch, stored, actor);
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
