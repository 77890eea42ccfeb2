import type { Model } from 'mongoose';
import { auditStatus } from '@aegis/shared';
import type { ApprovalDoc } from '../models/approval.model';
import type { AuditDoc } from '../models/audit.model';

/** One audit entry as an export carries it: the hashed fields plus outcome and rule. */
export interface ExportRow {
  id: number;
  timestamp: string;
  agent: string;
  action: string;
  status: string;
  source: string;
  actor: string | null;
  rule: string | null;
  details: string;
  argsPreview: string | null;
  outcome: string | null;
  prevHash: string | null;
  hash: string;
}

export interface ExportApproval {
  id: number;
  agent: string;
  action: string;
  status: string;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

export interface ExportRange {
  from: Date;
  to: Date;
  agents?: string[];
}

const PROJECTION = {
  _id: 0,
  callArgs: 0,
  findings: 0,
  resultFindings: 0,
  entryKey: 0,
  tags: 0,
  runId: 0,
};

function toRow(d: AuditDoc): ExportRow {
  return {
    id: d.id,
    timestamp: new Date(d.timestamp).toISOString(),
    agent: d.agent,
    action: d.action,
    status: d.status,
    source: d.source ?? 'server',
    actor: d.actor ?? null,
    rule: d.rule ? `${d.rule.id}@${d.rule.scope}v${d.rule.version}` : null,
    details: d.details ?? '',
    argsPreview: d.argsPreview ?? null,
    outcome: d.outcome ?? null,
    prevHash: d.prevHash ?? null,
    hash: d.hash,
  };
}

/** What a compliance export reads: the audit trail as a cursor (never all in memory), approvals, the chain head. */
export function createExportRepo(audit: Model<AuditDoc>, approvals: Model<ApprovalDoc>) {
  const filter = (r: ExportRange) => ({
    timestamp: { $gte: r.from, $lte: r.to },
    ...(r.agents ? { agent: { $in: r.agents } } : {}),
  });
  return {
    /** The trail in id order, a batch at a time. */
    async *entries(r: ExportRange, extra: Record<string, unknown> = {}): AsyncGenerator<ExportRow> {
      const cursor = audit.collection
        .find({ ...filter(r), ...extra }, { projection: PROJECTION })
        .sort({ id: 1 })
        .batchSize(2000);
      try {
        for await (const doc of cursor) yield toRow(doc as unknown as AuditDoc);
      } finally {
        await cursor.close();
      }
    },
    /**
     * Entries in the range. Without a choice of agents, every status is named so the count reads
     * the {status, timestamp} index (one range per status: index entries counted, no document
     * decoded); a bare timestamp range has no index and made the embedded store decode the whole
     * log in one command (a 30 s stall at 1,000,000 entries, with the server's one thread). With
     * agents, their {agent, id} index bounds it.
     */
    count: (r: ExportRange) =>
      audit.countDocuments(
        r.agents ? filter(r) : { status: { $in: [...auditStatus.options] }, ...filter(r) },
      ),
    /** The newest entry: its hash commits to the whole chain before it. */
    head: () =>
      audit
        .findOne({}, { _id: 0, id: 1, hash: 1 })
        .sort({ id: -1 })
        .lean<{ id: number; hash: string } | null>(),
    async approvals(r: ExportRange, limit: number): Promise<ExportApproval[]> {
      const docs = await approvals
        .find(
          {
            createdAt: { $gte: r.from, $lte: r.to },
            ...(r.agents ? { agent: { $in: r.agents } } : {}),
          },
          { _id: 0, args: 0 },
        )
        .sort({ id: 1 })
        .limit(limit)
        .lean<ApprovalDoc[]>();
      const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
      return docs.map((a) => ({
        id: a.id,
        agent: a.agent,
        action: a.action,
        status: a.status,
        createdAt: new Date(a.createdAt).toISOString(),
        decidedAt: iso(a.decidedAt),
        decidedBy: a.decidedBy,
      }));
    },
  };
}
export type ExportRepo = ReturnType<typeof createExportRepo>;
