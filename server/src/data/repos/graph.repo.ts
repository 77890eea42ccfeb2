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

/**
 * The agent graph's one read: calls in a window grouped on the server by agent, tool, verdict and
 * the data tags they carried. `{status: {$in}, timestamp: range}` is read through the
 * `{status: 1, timestamp: -1}` index (one range per status) on MongoDB and the embedded store
 * alike; the answer is a few rows per agent–tool pair however many entries the window holds.
 */
export function createGraphRepo(audit: Model<AuditDoc>) {
  return {
    async callGroups(from: Date, to: Date): Promise<GraphGroup[]> {
      const pipeline: PipelineStage[] = [
        {
          $match: {
            status: { $in: [...GRAPH_CALL_STATUSES] },
            timestamp: { $gte: from, $lt: to },
            // The ALLOWED that follows an approval is the same call as its PENDING.
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
    },
  };
}
