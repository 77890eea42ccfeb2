import type { Model, QueryFilter } from 'mongoose';
import type { AuditEntry } from '@aegis/shared';
import type { AuditDoc } from '../models/audit.model';
import type { PolicyVersionDoc } from '../models/policyVersion.model';
import { toAuditEntry } from './mappers';

/** The most entries one call's trace shows (a call has a handful; a replayed id could have many). */
const TRACE_LIMIT = 50;

/** Reads behind the dashboard's entry detail: one entry, the entries of its call, its neighbours. */
export function createInvestigationRepo(audit: Model<AuditDoc>, versions: Model<PolicyVersionDoc>) {
  async function find(filter: QueryFilter<AuditDoc>, sort: 1 | -1, limit: number) {
    const docs = await audit.find(filter).sort({ id: sort }).limit(limit).lean<AuditDoc[]>();
    return docs.map(toAuditEntry);
  }

  return {
    async entry(id: number): Promise<AuditEntry | null> {
      const doc = await audit.findOne({ id }).lean<AuditDoc | null>();
      return doc ? toAuditEntry(doc) : null;
    },

    /** Entries carrying any of these call ids or approval ids, oldest first. */
    linked(callIds: string[], approvalIds: number[]): Promise<AuditEntry[]> {
      const or: QueryFilter<AuditDoc>[] = [];
      if (callIds.length > 0) or.push({ callId: { $in: callIds } });
      if (approvalIds.length > 0) or.push({ approvalId: { $in: approvalIds } });
      if (or.length === 0) return Promise.resolve([]);
      return find({ $or: or }, 1, TRACE_LIMIT);
    },

    /** The agent's `n` entries before and after `id`. */
    async around(agent: string, id: number, n: number) {
      const [before, after] = await Promise.all([
        find({ agent, id: { $lt: id } }, -1, n),
        find({ agent, id: { $gt: id } }, 1, n),
      ]);
      return { before, after };
    },

    /** The PENDING entry that opened an approval (its run id is not on the public entry). */
    async heldEntry(approvalId: number): Promise<{ id: number; agent: string; runId?: string | null } | null> {
      return audit
        .findOne({ approvalId, status: 'PENDING' }, { _id: 0, id: 1, agent: 1, runId: 1 })
        .sort({ id: 1 })
        .lean<{ id: number; agent: string; runId?: string | null } | null>();
    },

    /** The run's `n` entries before `id`, newest first. */
    runBefore: (runId: string, id: number, n: number) => find({ runId, id: { $lt: id } }, -1, n),

    /** The agent's policy version in force at `at` (the newest recorded at or before it). */
    async policyVersionAt(agent: string, at: Date): Promise<number | null> {
      const doc = await versions
        .findOne({ agent, at: { $lte: at } }, { version: 1 })
        .sort({ version: -1 })
        .lean<{ version: number } | null>();
      return doc?.version ?? null;
    },
  };
}
export type InvestigationRepo = ReturnType<typeof createInvestigationRepo>;
