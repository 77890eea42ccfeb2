import type { ServiceDeps } from './deps';
import type { Services } from './types';
import { argsPreview } from './args';
import { unknownAgent } from './errors';

/** Reads of the audit log, single writes (the seed's /sdk/log) and local-mode batches. */
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

    async write(entry) {
      await assertKnown([entry.agent]);
      return repos.audit.write({
        timestamp: new Date(),
        agent: entry.agent,
        action: entry.action,
        status: entry.status,
        details: entry.details,
        callId: entry.callId ?? null,
        approvalId: entry.approvalId ?? null,
        argsPreview: argsPreview(entry.args),
      });
    },

    async writeBatch(entries) {
      await assertKnown(entries.map((e) => e.agent));
      // One batch at a time, so the duplicate check below cannot race another batch's insert.
      return locks.run('audit:batch', async () => {
        const seen = await repos.audit.existingEntryKeys(entries.map((e) => e.entryKey));
        const fresh = entries.filter((e) => {
          if (seen.has(e.entryKey)) return false;
          seen.add(e.entryKey);
          return true;
        });
        await Promise.all(
          fresh.map((e) =>
            repos.audit.write({
              timestamp: new Date(e.decidedAt),
              agent: e.agent,
              action: e.action,
              status: e.status,
              details: e.details,
              callId: e.callId,
              approvalId: null,
              argsPreview: argsPreview(e.args),
              entryKey: e.entryKey,
            }),
          ),
        );
        return { stored: fresh.length, duplicates: entries.length - fresh.length };
      });
    },
  };
}
