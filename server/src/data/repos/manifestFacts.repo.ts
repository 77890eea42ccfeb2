import type { Model } from 'mongoose';
import { notCallStatuses, type ManifestApprovals, type ObservedTool } from '@aegis/shared';
import type { ApprovalDoc } from '../models/approval.model';
import type { AuditDoc } from '../models/audit.model';
import type { RollupDoc } from '../models/rollup.model';
import { OTHER_ACTIONS } from './rollupActionCap';

/** Calls only: people's actions and alerts are not tool use. */
const CALLS = { source: { $ne: 'person' }, status: { $nin: [...notCallStatuses] } };
const MAX_RUNS_LISTED = 3;
/** Run ids per query when reading the runs of some agents (the store reads each query's runs at once). */
const RUNS_PER_QUERY = 200;
/**
 * Documents per round trip when reading the log. The embedded store runs in the server's process
 * and decodes a batch in one synchronous stretch: a batch is what a decision, a kill-switch or a
 * health check may wait behind, so it is kept small (one aggregate over the whole log held every
 * request for seconds at 20,000 entries).
 */
const SCAN_BATCH = 250;

const emptyApprovals = (): ManifestApprovals => ({
  total: 0,
  approved: 0,
  denied: 0,
  expired: 0,
  pending: 0,
  deciders: [],
});

type Scanned = Pick<
  AuditDoc,
  'id' | 'agent' | 'action' | 'status' | 'timestamp' | 'runId' | 'findings' | 'resultFindings'
>;
const SCANNED = {
  _id: 0,
  id: 1,
  agent: 1,
  action: 1,
  status: 1,
  timestamp: 1,
  runId: 1,
  findings: 1,
  resultFindings: 1,
} as const;

/** Per agent, per tool: calls by status, first/last seen, DLP detectors seen. */
class ObservedTools {
  private readonly byKey = new Map<string, ObservedTool & { agent: string; found: Set<string> }>();

  add(e: Scanned): void {
    const key = `${e.agent}\u0000${e.action}`;
    let tool = this.byKey.get(key);
    if (!tool) {
      tool = {
        agent: e.agent,
        action: e.action,
        byStatus: {},
        firstSeen: null,
        lastSeen: null,
        detectors: [],
        found: new Set(),
      };
      this.byKey.set(key, tool);
    }
    tool.byStatus[e.status] = (tool.byStatus[e.status] ?? 0) + 1;
    if (e.timestamp) {
      const at = new Date(e.timestamp);
      if (!tool.firstSeen || at < tool.firstSeen) tool.firstSeen = at;
      if (!tool.lastSeen || at > tool.lastSeen) tool.lastSeen = at;
    }
    for (const list of [e.findings, e.resultFindings]) {
      // As $unwind reads it: an array's elements, any other value as itself.
      const items: unknown[] = Array.isArray(list) ? list : list == null ? [] : [list];
      for (const f of items) {
        const detector = (f as { detector?: unknown } | null)?.detector;
        if (typeof detector === 'string') tool.found.add(detector);
      }
    }
  }

  result(): Map<string, ObservedTool[]> {
    const out = new Map<string, ObservedTool[]>();
    for (const { agent, found, ...tool } of this.byKey.values()) {
      const list = out.get(agent) ?? [];
      list.push({ ...tool, detectors: [...found].sort() });
      out.set(agent, list);
    }
    return out;
  }
}

/**
 * The observed tools per agent from the rollups' all-time facts (kind `seen`, one document per
 * agent × action): the same answer as reading the log, without reading it.
 */
export function observedFromFacts(docs: readonly RollupDoc[]): Map<string, ObservedTool[]> {
  const out = new Map<string, ObservedTool[]>();
  for (const doc of docs) {
    // An agent's calls past its itemised actions are not a tool (see ActionCap).
    if (doc.x === OTHER_ACTIONS) continue;
    const byStatus = { ...((doc.v as Record<string, number> | undefined) ?? {}) };
    const list = out.get(doc.a) ?? [];
    list.push({
      action: doc.x,
      byStatus,
      firstSeen: doc.first ?? null,
      lastSeen: doc.last ?? null,
      detectors: Object.keys((doc.dt as Record<string, number> | undefined) ?? {}).sort(),
    });
    out.set(doc.a, list);
  }
  return out;
}

/** Runs with their agents (first seen first) and their first entry's id. */
class RunGroups {
  private readonly runs = new Map<string, { agents: string[]; first: number }>();

  add(e: Pick<Scanned, 'id' | 'agent' | 'runId'>): void {
    if (typeof e.runId !== 'string') return;
    const run = this.runs.get(e.runId);
    if (!run) this.runs.set(e.runId, { agents: [e.agent], first: e.id });
    else {
      if (!run.agents.includes(e.agent)) run.agents.push(e.agent);
      if (e.id < run.first) run.first = e.id;
    }
  }

  /** Agent → other agent → a few of their shared runs, in the order the runs first appear in the log. */
  result(): Map<string, Map<string, string[]>> {
    const shared = [...this.runs]
      .filter(([, r]) => r.agents.length > 1)
      .sort(([, a], [, b]) => a.first - b.first);
    const out = new Map<string, Map<string, string[]>>();
    for (const [runId, r] of shared) {
      for (const a of r.agents) {
        const others = out.get(a) ?? new Map<string, string[]>();
        for (const b of r.agents) {
          if (b === a) continue;
          const runs = others.get(b) ?? [];
          if (runs.length < MAX_RUNS_LISTED) runs.push(runId);
          others.set(b, runs);
        }
        out.set(a, others);
      }
    }
    return out;
  }
}

/**
 * What the audit log and the approvals say agents did, for manifests. Never one query per
 * agent and tool: governance evaluates a thousand manifests at a time. The log is read once,
 * streamed in small batches and folded here, rather than grouped by the store: an aggregate is
 * computed whole before its first document is returned, and the embedded store computes it in
 * the server's own thread.
 */
export function createManifestFactsRepo(audit: Model<AuditDoc>, approvals: Model<ApprovalDoc>) {
  async function each<T>(
    model: Model<AuditDoc> | Model<ApprovalDoc>,
    filter: Record<string, unknown>,
    projection: Record<string, 0 | 1>,
    fn: (doc: T) => void,
  ): Promise<void> {
    const cursor = model.collection.find(filter, { projection, batchSize: SCAN_BATCH });
    for await (const doc of cursor) fn(doc as T);
  }

  return {
    /**
     * Per agent: the tools it called (calls by status, first/last seen, DLP detectors seen) and
     * the agents it met in the same runs (other agent → a few of the runs, first seen first).
     * Every agent: one pass over the log. These agents: their own entries (one index range
     * each), then the entries of the runs they took part in, by run id — a call that schedules
     * one agent's evaluation must not read a million entries.
     */
    async calls(agents?: string[]): Promise<{
      observed: Map<string, ObservedTool[]>;
      runs: Map<string, Map<string, string[]>>;
    }> {
      const tools = new ObservedTools();
      const runs = new RunGroups();
      if (!agents) {
        await each<Scanned>(audit, CALLS, SCANNED, (e) => {
          tools.add(e);
          runs.add(e);
        });
        return { observed: tools.result(), runs: runs.result() };
      }
      const runIds = new Set<string>();
      for (const agent of [...new Set(agents)].sort())
        await each<Scanned>(audit, { ...CALLS, agent }, SCANNED, (e) => {
          tools.add(e);
          if (typeof e.runId === 'string') runIds.add(e.runId);
        });
      const ids = [...runIds];
      for (let i = 0; i < ids.length; i += RUNS_PER_QUERY)
        await each<Scanned>(
          audit,
          { ...CALLS, runId: { $in: ids.slice(i, i + RUNS_PER_QUERY) } },
          { _id: 0, id: 1, agent: 1, runId: 1 },
          (e) => runs.add(e),
        );
      return { observed: tools.result(), runs: runs.result() };
    },

    /** Approvals per agent by outcome, and who decided them. */
    async approvals(agents?: string[]): Promise<Map<string, ManifestApprovals>> {
      const out = new Map<string, ManifestApprovals>();
      const deciders = new Map<string, Set<string>>();
      await each<Pick<ApprovalDoc, 'agent' | 'status' | 'decidedBy'>>(
        approvals,
        agents ? { agent: { $in: agents } } : {},
        { _id: 0, agent: 1, status: 1, decidedBy: 1 },
        (r) => {
          const a = out.get(r.agent) ?? emptyApprovals();
          a.total++;
          if (r.status === 'APPROVED') a.approved++;
          else if (r.status === 'DENIED') a.denied++;
          else if (r.status === 'EXPIRED') a.expired++;
          else if (r.status === 'PENDING') a.pending++;
          out.set(r.agent, a);
          const who = deciders.get(r.agent) ?? new Set<string>();
          if (r.decidedBy) who.add(r.decidedBy);
          deciders.set(r.agent, who);
        },
      );
      for (const [agent, a] of out) a.deciders = [...(deciders.get(agent) ?? [])].sort();
      return out;
    },
  };
}
export type ManifestFactsRepo = ReturnType<typeof createManifestFactsRepo>;
export { emptyApprovals };
