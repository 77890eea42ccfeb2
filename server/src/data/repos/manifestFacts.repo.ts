import type { Model } from 'mongoose';
import { notCallStatuses, type ManifestApprovals, type ObservedTool } from '@aegis/shared';
import type { ApprovalDoc } from '../models/approval.model';
import type { AuditDoc } from '../models/audit.model';

/** Calls only: people's actions and alerts are not tool use. */
const CALLS = { source: { $ne: 'person' }, status: { $nin: [...notCallStatuses] } };
const MAX_RUNS_LISTED = 3;
/** Run ids per query when reading the runs of some agents (each is one index range). */
const RUNS_PER_QUERY = 5_000;

const emptyApprovals = (): ManifestApprovals => ({
  total: 0,
  approved: 0,
  denied: 0,
  expired: 0,
  pending: 0,
  deciders: [],
});

/**
 * What the audit log and the approvals say agents did, for manifests. Each answer is one
 * aggregate over all agents (or one agent), never one query per agent: governance evaluates
 * a thousand manifests at a time.
 */
export function createManifestFactsRepo(audit: Model<AuditDoc>, approvals: Model<ApprovalDoc>) {
  const match = (agents?: string[]) => ({
    ...CALLS,
    ...(agents ? { agent: { $in: agents } } : {}),
  });

  return {
    /** Per agent, per tool: calls by status, first/last seen, DLP detectors seen. */
    async observed(agents?: string[]): Promise<Map<string, ObservedTool[]>> {
      const [rows, found] = await Promise.all([
        audit.aggregate<{
          _id: { agent: string; action: string; status: string };
          n: number;
          first: Date;
          last: Date;
        }>([
          { $match: match(agents) },
          {
            $group: {
              _id: { agent: '$agent', action: '$action', status: '$status' },
              n: { $sum: 1 },
              first: { $min: '$timestamp' },
              last: { $max: '$timestamp' },
            },
          },
        ]),
        Promise.all(
          (['findings', 'resultFindings'] as const).map((field) =>
            audit.aggregate<{ _id: { agent: string; action: string; detector: string } }>([
              { $match: { ...match(agents), [field]: { $exists: true, $ne: [] } } },
              { $project: { _id: 0, agent: 1, action: 1, [field]: 1 } },
              { $unwind: `$${field}` },
              {
                $group: {
                  _id: { agent: '$agent', action: '$action', detector: `$${field}.detector` },
                },
              },
            ]),
          ),
        ),
      ]);
      const byKey = new Map<string, ObservedTool & { agent: string; found: Set<string> }>();
      const entry = (agent: string, action: string) => {
        const key = `${agent}\u0000${action}`;
        let e = byKey.get(key);
        if (!e) {
          e = {
            agent,
            action,
            byStatus: {},
            firstSeen: null,
            lastSeen: null,
            detectors: [],
            found: new Set(),
          };
          byKey.set(key, e);
        }
        return e;
      };
      for (const r of rows) {
        const e = entry(r._id.agent, r._id.action);
        e.byStatus[r._id.status] = (e.byStatus[r._id.status] ?? 0) + r.n;
        const first = new Date(r.first);
        const last = new Date(r.last);
        if (!e.firstSeen || first < e.firstSeen) e.firstSeen = first;
        if (!e.lastSeen || last > e.lastSeen) e.lastSeen = last;
      }
      for (const r of found.flat()) {
        if (typeof r._id.detector === 'string')
          entry(r._id.agent, r._id.action).found.add(r._id.detector);
      }
      const out = new Map<string, ObservedTool[]>();
      for (const { agent, found: set, ...tool } of byKey.values()) {
        const list = out.get(agent) ?? [];
        list.push({ ...tool, detectors: [...set].sort() });
        out.set(agent, list);
      }
      return out;
    },

    /** Approvals per agent by outcome, and who decided them. */
    async approvals(agents?: string[]): Promise<Map<string, ManifestApprovals>> {
      const rows = await approvals.aggregate<{
        _id: { agent: string; status: string };
        n: number;
        deciders: Array<string | null>;
      }>([
        ...(agents ? [{ $match: { agent: { $in: agents } } }] : []),
        {
          $group: {
            _id: { agent: '$agent', status: '$status' },
            n: { $sum: 1 },
            deciders: { $addToSet: '$decidedBy' },
          },
        },
      ]);
      const out = new Map<string, ManifestApprovals>();
      for (const r of rows) {
        const a = out.get(r._id.agent) ?? emptyApprovals();
        a.total += r.n;
        if (r._id.status === 'APPROVED') a.approved += r.n;
        else if (r._id.status === 'DENIED') a.denied += r.n;
        else if (r._id.status === 'EXPIRED') a.expired += r.n;
        else if (r._id.status === 'PENDING') a.pending += r.n;
        a.deciders = [
          ...new Set([...a.deciders, ...r.deciders.filter((d): d is string => !!d)]),
        ].sort();
        out.set(r._id.agent, a);
      }
      return out;
    },

    /**
     * Agents that took part in the same runs: agent → other agent → a few of the runs (first seen
     * first). With `agents`, only the runs those agents took part in are read — found through
     * their own entries, then by run id — instead of every entry of the log: a call that schedules
     * one agent's evaluation must not scan a million entries.
     */
    async sharedRuns(agents?: string[]): Promise<Map<string, Map<string, string[]>>> {
      type Row = { _id: string; agents: string[]; first: number };
      const group = [
        { $group: { _id: '$runId', agents: { $addToSet: '$agent' }, first: { $min: '$id' } } },
        { $match: { 'agents.1': { $exists: true } } },
      ];
      let rows: Row[];
      if (!agents) {
        rows = await audit.aggregate<Row>([
          { $match: { ...CALLS, runId: { $type: 'string' } } },
          ...group,
        ]);
      } else {
        const runIds = (
          (await audit.collection.distinct('runId', {
            ...CALLS,
            agent: { $in: agents },
            runId: { $type: 'string' },
          })) as unknown[]
        ).filter((r): r is string => typeof r === 'string');
        rows = [];
        for (let i = 0; i < runIds.length; i += RUNS_PER_QUERY) {
          const some = runIds.slice(i, i + RUNS_PER_QUERY);
          rows.push(
            ...(await audit.aggregate<Row>([
              { $match: { ...CALLS, runId: { $in: some } } },
              ...group,
            ])),
          );
        }
      }
      // In the order the runs first appear in the log (what a scan of it gives).
      rows.sort((a, b) => a.first - b.first);
      const out = new Map<string, Map<string, string[]>>();
      for (const r of rows) {
        for (const a of r.agents) {
          const others = out.get(a) ?? new Map<string, string[]>();
          for (const b of r.agents) {
            if (b === a) continue;
            const runs = others.get(b) ?? [];
            if (runs.length < MAX_RUNS_LISTED) runs.push(r._id);
            others.set(b, runs);
          }
          out.set(a, others);
        }
      }
      return out;
    },
  };
}
export type ManifestFactsRepo = ReturnType<typeof createManifestFactsRepo>;
export { emptyApprovals };
