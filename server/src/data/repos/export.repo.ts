import type { Model } from 'mongoose';
import { auditStatus, formatRuleRef, type ScanFinding } from '@aegis/shared';
import type { ApprovalDoc } from '../models/approval.model';
import type { AuditDoc } from '../models/audit.model';
import type { AuditOutcomeDoc } from '../models/auditOutcome.model';

/**
 * One audit entry as an export carries it: every field its hash covers, as stored (so an auditor
 * can recompute the hash offline: `aegis audit verify --file`), plus the outcome, which the hash
 * does not cover. Nothing here is more than a viewer sees on the dashboard: `argsPreview` was
 * masked before it was hashed, findings name detectors and paths, never values.
 */
export interface ExportRow {
  id: number;
  timestamp: string;
  agent: string;
  action: string;
  status: string;
  /** null only for entries written before sources were recorded (hashed without one). */
  source: string | null;
  actor: string | null;
  /** The deciding rule as `id@scopevVERSION` (hashed as `{ id, scope, version }`). */
  rule: string | null;
  details: string;
  argsPreview: string | null;
  outcome: string | null;
  prevHash: string | null;
  hash: string;
  callId: string | null;
  approvalId: number | null;
  /** DLP findings on the arguments, when there are any. */
  findings?: ScanFinding[];
  /** How the call reached Aegis, when not through the SDK. */
  channel?: string;
  /** Gateway calls: the upstream server and its own name of the tool that ran (hashed). */
  upstream?: string;
  upstreamTool?: string;
  /** Salted digest of the stored call arguments (hashed; the arguments and salt are never exported). */
  callArgsHash?: string;
  /** Hashed: the entry's outcome, once recorded, is sealed in the outcome chain. */
  outcomeSealed?: true;
  /** The entry's record in the outcome chain, when its outcome was sealed. */
  outcomeRecord?: Omit<AuditOutcomeDoc, 'entryId'> & { entryId: number };
  /**
   * Set on an entry outside the report's time range that a whole-log export carries anyway, to
   * keep its trail one unbroken chain (a local-mode record dated before the range but written
   * inside it sits between entries that are in the range).
   */
  outsideRange?: true;
}

export interface ExportApproval {
  id: number;
  agent: string;
  action: string;
  status: string;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  /**
   * The rule that asked for the review, as the trail writes a deciding rule (`id@scopevVERSION`,
   * `default@defaultvN` when no rule matched and the policy's default asked); for a held result,
   * the id of the `on: result` rule that held it. Null for approvals from before it was kept.
   */
  rule: string | null;
}

export interface ExportRange {
  from: Date;
  to: Date;
  agents?: string[];
}

/** Never exported (the arguments, their salt, their keyed digest) or not needed (search words: most of an entry's bytes). */
const PROJECTION = {
  _id: 0,
  callArgs: 0,
  callArgsSalt: 0,
  sealPending: 0,
  argsHash: 0,
  resultFindings: 0,
  entryKey: 0,
  tags: 0,
  runId: 0,
  terms: 0,
  writer: 0,
};

function toRow(d: AuditDoc): ExportRow {
  return {
    id: d.id,
    timestamp: new Date(d.timestamp).toISOString(),
    agent: d.agent,
    action: d.action,
    status: d.status,
    source: d.source ?? null,
    actor: d.actor ?? null,
    rule: d.rule ? formatRuleRef(d.rule) : null,
    details: d.details ?? '',
    argsPreview: d.argsPreview ?? null,
    outcome: d.outcome ?? null,
    prevHash: d.prevHash ?? null,
    hash: d.hash,
    callId: d.callId ?? null,
    approvalId: d.approvalId ?? null,
    ...(d.findings ? { findings: d.findings } : {}),
    ...(d.channel ? { channel: d.channel } : {}),
    ...(d.upstream ? { upstream: d.upstream } : {}),
    ...(d.upstreamTool ? { upstreamTool: d.upstreamTool } : {}),
    ...(d.callArgsHash ? { callArgsHash: d.callArgsHash } : {}),
    ...(d.outcomeSealed === true ? { outcomeSealed: true as const } : {}),
  };
}

/** Rows read before their outcome records are looked up together (one query per batch). */
const RECORD_BATCH = 500;

/** The rows with each one's outcome record attached, looked up a batch of rows at a time. */
async function* withOutcomeRecords(
  rows: AsyncIterable<ExportRow>,
  outcomes: Model<AuditOutcomeDoc>,
): AsyncGenerator<ExportRow> {
  let batch: ExportRow[] = [];
  const flush = async () => {
    // Every entry written to be sealed, with an outcome or not: an outcome erased in the store
    // (set back to null) must still be exported beside its record, which says what it was.
    const sealed = batch.filter((r) => r.outcomeSealed === true).map((r) => r.id);
    const records = sealed.length
      ? ((await outcomes.collection
          .find({ entryId: { $in: sealed } }, { projection: { _id: 0 } })
          .toArray()) as unknown as AuditOutcomeDoc[])
      : [];
    const byEntry = new Map(records.map((r) => [r.entryId, r]));
    const out = batch.map((row) => {
      const record = byEntry.get(row.id);
      return record ? { ...row, outcomeRecord: record } : row;
    });
    batch = [];
    return out;
  };
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= RECORD_BATCH) yield* await flush();
  }
  if (batch.length) yield* await flush();
}

/** The rule an approval answers: its bound review rule (`scope:id@version`), else the rule it names. */
function approvalRule(a: Pick<ApprovalDoc, 'reviewRule' | 'rule'>): string | null {
  const bound = a.reviewRule ? /^(agent|global|default):([\s\S]*)@(\d+)$/.exec(a.reviewRule) : null;
  if (bound)
    return formatRuleRef({ scope: bound[1] ?? '', id: bound[2] ?? '', version: Number(bound[3]) });
  return a.rule ?? null;
}

/** What a compliance export reads: the audit trail as a cursor (never all in memory), approvals, the chain head. */
export function createExportRepo(
  audit: Model<AuditDoc>,
  approvals: Model<ApprovalDoc>,
  outcomes: Model<AuditOutcomeDoc>,
) {
  const filter = (r: ExportRange) => ({
    timestamp: { $gte: r.from, $lte: r.to },
    ...(r.agents ? { agent: { $in: r.agents } } : {}),
  });
  async function* rowsOf(
    r: ExportRange,
    extra: Record<string, unknown>,
    opts: { contiguous?: boolean },
  ): AsyncGenerator<ExportRow> {
    const cursor = audit.collection
      .find({ ...filter(r), ...extra }, { projection: PROJECTION })
      .sort({ id: 1 })
      .batchSize(2000);
    let last: number | null = null;
    try {
      for await (const raw of cursor) {
        const doc = raw as unknown as AuditDoc;
        if (opts.contiguous && last !== null && doc.id > last + 1) {
          const between = audit.collection
            .find({ id: { $gt: last, $lt: doc.id } }, { projection: PROJECTION })
            .sort({ id: 1 });
          for await (const skipped of between)
            yield { ...toRow(skipped as unknown as AuditDoc), outsideRange: true };
        }
        last = doc.id;
        yield toRow(doc);
      }
    } finally {
      await cursor.close();
    }
  }
  return {
    /**
     * The trail in id order, a batch at a time. `contiguous`: where ids jump (entries written in
     * the range but dated outside it), the entries between are read and carried too, marked
     * `outsideRange`, so a whole-log trail is one chain an auditor can check link by link.
     */
    entries(
      r: ExportRange,
      extra: Record<string, unknown> = {},
      opts: { contiguous?: boolean } = {},
    ): AsyncGenerator<ExportRow> {
      return withOutcomeRecords(rowsOf(r, extra, opts), outcomes);
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
    /**
     * The newest outcome record: its hash commits to the whole outcome chain before it, so an
     * auditor who noted it can tell records cut off the end (nothing follows them to link).
     */
    outcomeHead: () =>
      outcomes
        .findOne({}, { _id: 0, id: 1, hash: 1 })
        .sort({ id: -1 })
        .lean<{ id: number; hash: string } | null>(),
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
        rule: approvalRule(a),
      }));
    },
  };
}
export type ExportRepo = ReturnType<typeof createExportRepo>;
