import type { Model } from 'mongoose';
import { commandsFor } from '../storeCommands';
import type { AuditDoc } from '../models/audit.model';

/** How many past calls `history.sum` reads at most; beyond it the rule fails closed. */
export const MAX_SUMMED_CALLS = 20_000;

export class TooManyCallsError extends Error {}

/** A stored decision as policy replay reads it. */
export interface ReplayEntry {
  id: number;
  agent: string;
  action: string;
  status: string;
  /** Set on ALLOWED entries that redeemed an approval (the decision itself was REVIEW). */
  approvalId: number | null;
  callArgs: string | null;
  argsPreview: string | null;
  runId: string | null;
  tags: string[] | null;
  /** DLP findings stored with the decision (replay's `dlp` facts: the stored arguments are masked). */
  findings?: Array<{ detector: string; path: string; count: number }> | null;
  timestamp: Date;
}

/**
 * The audit log read as policy facts: what `history` and `session` in rules see. Derived from the
 * stored record, not a process's memory, so every server sharing the database answers alike.
 * Counted calls are the agent's ALLOWED entries (its decisions and checked reports).
 */
export function createPolicyFactsRepo(model: Model<AuditDoc>) {
  const store = commandsFor(model);
  return {
    countAllowed: (agent: string, action: string, since: Date) =>
      store.countDocuments({ agent, action, status: 'ALLOWED', timestamp: { $gte: since } }),

    /** Sum of numeric `args[field]` over the same calls; non-numbers count as 0. */
    async sumAllowed(agent: string, action: string, field: string, since: Date): Promise<number> {
      const docs = await model
        .find(
          { agent, action, status: 'ALLOWED', timestamp: { $gte: since } },
          { callArgs: 1, _id: 0 },
        )
        .limit(MAX_SUMMED_CALLS + 1)
        .lean<Array<Pick<AuditDoc, 'callArgs'>>>();
      if (docs.length > MAX_SUMMED_CALLS)
        throw new TooManyCallsError(`more than ${MAX_SUMMED_CALLS} calls to sum`);
      let sum = 0;
      for (const d of docs) {
        if (!d.callArgs) continue;
        const value = (JSON.parse(d.callArgs) as Record<string, unknown>)[field];
        if (typeof value === 'number' && Number.isFinite(value)) sum += value;
      }
      return sum;
    },

    /** Which of `tags` an ALLOWED call of this agent's run carried. */
    async sessionTags(agent: string, runId: string, tags: readonly string[]): Promise<string[]> {
      const found = await model.distinct('tags', {
        agent,
        runId,
        status: 'ALLOWED',
        tags: { $in: [...tags] },
      });
      return (found as unknown[]).filter(
        (t): t is string => typeof t === 'string' && tags.includes(t),
      );
    },

    /**
     * Stored decisions since `since`, oldest first, for replay (a cursor: millions don't sit in
     * memory). Read along an index in id order — the server's entries, or the named agents' — so
     * the entries stream; left to itself the planner can pick {status, timestamp} for the filter
     * and sort every match in memory before the first one is returned (900,000 entries at 1M).
     */
    decisions(since: Date, limit: number, agents?: readonly string[]): AsyncIterable<ReplayEntry> {
      const filter: Record<string, unknown> = {
        source: 'server',
        status: { $in: ['ALLOWED', 'BLOCKED', 'PENDING'] },
        timestamp: { $gte: since },
      };
      if (agents) filter.agent = { $in: [...agents] };
      return model
        .find(filter, {
          id: 1,
          agent: 1,
          action: 1,
          status: 1,
          approvalId: 1,
          callArgs: 1,
          argsPreview: 1,
          runId: 1,
          tags: 1,
          findings: 1,
          timestamp: 1,
          _id: 0,
        })
        .hint(agents ? { agent: 1, id: -1 } : { source: 1, id: -1 })
        .sort({ id: 1 })
        .limit(limit)
        .lean<ReplayEntry>()
        .cursor({ batchSize: 1000 }) as AsyncIterable<ReplayEntry>;
    },
  };
}
export type PolicyFactsRepo = ReturnType<typeof createPolicyFactsRepo>;
