import type { Model, PipelineStage } from 'mongoose';
import type { AuditDoc } from '../models/audit.model';

/** Statuses that are one decided call each (an approved call's later ALLOWED is excluded below). */
export const GRAPH_CALL_STATUSES = ['ALLOWED', 'BLOCKED', 'PENDING', 'KILLED'] as const;
export type GraphCallStatus = (typeof GRAPH_CALL_STATUSES)[number];

/** One group of identical calls: same agent, tool, verdict and data tags. */
export interface GraphGroup {
  agent: string;
  action: string;
  status: GraphCallStatus;
  /** DLP detectors found in the arguments and in the result. */
  detectors: string[];
  /** Tags the tool declared. */
  tags: string[];
  n: number;
}

interface RawGroup {
  _id: {
    agent: string;
    action: string;
    status: GraphCallStatus;
    d?: unknown;
    r?: unknown;
    t?: unknown;
  };
  n: number;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** What the graph reads of an entry. */
interface CallDoc {
  agent: string;
  action: string;
  findings?: Array<{ detector?: unknown }>;
  resultFindings?: Array<{ detector?: unknown }>;
  tags?: unknown;
}

const detectorsOf = (list: CallDoc['findings']): string[] =>
  Array.isArray(list) ? strings(list.map((f) => f?.detector)) : [];

/**
 * The agent graph's one read: calls in a window grouped by agent, tool, verdict and the data tags
 * they carried. Read one status at a time — `{status, timestamp}` is then a single range of the
 * `{status: 1, timestamp: -1}` index, which both MongoDB and the embedded store stream — in
 * batches of 1,000 folded here. A `$group` did this in the database, but the embedded store
 * computes an aggregate whole in the server's one thread: 29 s with nothing else answered for a
 * 7-day graph at 1,000,000 entries (bench 6). Batches let every other request through between
 * them. Groups equal once mapped (detectors, tags) are merged: the graph only sums them.
 */
export function createGraphRepo(audit: Model<AuditDoc>) {
  return {
    async callGroups(from: Date, to: Date): Promise<GraphGroup[]> {
      const groups = new Map<string, GraphGroup>();
      for (const status of GRAPH_CALL_STATUSES) {
        const cursor = audit.collection
          .find(
            {
              status,
              timestamp: { $gte: from, $lt: to },
              // The ALLOWED that follows an approval is the same call as its PENDING.
              ...(status === 'ALLOWED' ? { approvalId: null } : {}),
            },
            {
              projection: {
                _id: 0,
                agent: 1,
                action: 1,
                'findings.detector': 1,
                'resultFindings.detector': 1,
                tags: 1,
              },
            },
          )
          .batchSize(1000);
        for await (const raw of cursor) {
          const doc = raw as unknown as CallDoc;
          const detectors = [
            ...new Set([...detectorsOf(doc.findings), ...detectorsOf(doc.resultFindings)]),
          ];
          const tags = strings(doc.tags);
          const key = JSON.stringify([doc.agent, doc.action, status, detectors, tags]);
          const group = groups.get(key);
          if (group) group.n++;
          else
            groups.set(key, {
              agent: doc.agent,
              action: doc.action,
              status,
              detectors,
              tags,
              n: 1,
            });
        }
      }
      return [...groups.values()];
    },
  };
}

/**
 * The same groups computed by the database (`$group`), before the fold above replaced it: kept as
 * the test's oracle (graph.repo.test.ts).
 */
export async function callGroupsByAggregate(
  audit: Model<AuditDoc>,
  from: Date,
  to: Date,
): Promise<GraphGroup[]> {
  const pipeline: PipelineStage[] = [
    {
      $match: {
        status: { $in: [...GRAPH_CALL_STATUSES] },
        timestamp: { $gte: from, $lt: to },
        $or: [{ status: { $ne: 'ALLOWED' } }, { approvalId: null }],
      },
    },
    {
      $group: {
        _id: {
          agent: '$agent',
          action: '$action',
          status: '$status',
          d: '$findings.detector',
          r: '$resultFindings.detector',
          t: '$tags',
        },
        n: { $sum: 1 },
      },
    },
  ];
  const rows = await audit.aggregate<RawGroup>(pipeline);
  return rows.map(({ _id, n }) => ({
    agent: _id.agent,
    action: _id.action,
    status: _id.status,
    detectors: [...new Set([...strings(_id.d), ...strings(_id.r)])],
    tags: strings(_id.t),
    n,
  }));
}
