import { Schema, type Connection, type Model } from 'mongoose';
import type { AuditSource, CallChannel, AuditStatus, CallOutcome, ResultEffect, ScanFinding } from '@aegis/shared';

export interface AuditDoc {
  id: number;
  timestamp: Date;
  agent: string;
  action: string;
  status: AuditStatus;
  /** Absent on entries written before it existed (see mappers.sourceOf). */
  source?: AuditSource;
  actor?: string | null;
  details: string;
  callId: string | null;
  approvalId: number | null;
  argsPreview: string | null;
  prevHash: string | null;
  hash: string;
  /** Set later by sdk.complete, once; not part of the entry's hash (sealed in the outcome chain). */
  outcome: CallOutcome | null;
  durationMs: number | null;
  /** DLP findings on the arguments (hashed; absent when none). */
  findings?: ScanFinding[];
  /** DLP findings on the result, reported with the outcome (not hashed, like the outcome). */
  resultFindings?: ScanFinding[];
  /** What an on: result rule did with the result, reported with the outcome. */
  resultEffect?: ResultEffect;
  /** A REDACT rule decided: the tool ran with what DLP found in its arguments masked. */
  argsRedacted?: true;
  /** How the call reached Aegis (mcp, http-proxy); absent for the SDK. Hashed when set. */
  channel?: CallChannel;
  /** Gateway calls: the upstream server and its own name of the tool that ran. Hashed when set. */
  upstream?: string;
  upstreamTool?: string;
  /** Client key of a local-mode record; makes batch replays idempotent. */
  entryKey?: string;
  /** For decisions: the rule that decided and its policy version (hashed). */
  rule?: { id: string; scope: 'agent' | 'global' | 'default'; version: number } | null;
  /**
   * For decisions: the call's whole arguments as canonical JSON with everything DLP finds masked
   * (numbers and ordinary text kept), for `history.sum` and policy replay; never returned to
   * viewers, who see the shortened `argsPreview`. A string, so no argument key can trouble the
   * store. Not hashed itself: its digest is (`callArgsHash`), and so is argsPreview.
   */
  callArgs?: string | null;
  /**
   * HMAC-SHA256 of `callArgs` as stored, keyed by `callArgsSalt` (plain sha256 on entries written
   * before salting; absent on entries written before it existed). Hashed, and shown to viewers.
   */
  callArgsHash?: string;
  /**
   * The random key of `callArgsHash` (see auditChain.callArgsDigest): what keeps a viewer from
   * recovering low-entropy arguments from the digest. Not hashed, never returned or exported.
   */
  callArgsSalt?: string;
  /** The entry's outcome is sealed in the outcome chain once recorded (hashed; see OutcomeChain). */
  outcomeSealed?: boolean;
  /**
   * When the outcome was recorded, set by the same write, until a sweep finds its record in the
   * outcome chain (or seals it on recovery) and removes it: what tells "the server stopped
   * between recording and sealing" from an outcome written into the store some other way. Not
   * hashed, never returned. See sealRecovery.ts.
   */
  sealPending?: Date;
  /**
   * For decisions: HMAC-SHA256 of the raw arguments' canonical JSON under the installation's
   * secret (the approval binding's digest), so a retried call id is answered again only for the
   * same arguments. Not hashed, never returned.
   */
  argsHash?: string;
  /** The agent run the call belongs to (`session` in rules). */
  runId?: string | null;
  /** The tool's declared tags (`session.touched(tag)`). */
  tags?: string[] | null;
  /** Activity search words (see shared searchTerms); not hashed, derived from hashed fields. */
  terms?: string[];
  /**
   * The server process that wrote the entry (its change feed id), so its own change stream can
   * leave its own inserts out in the store instead of receiving and discarding each one. Not
   * hashed: it says nothing about the call.
   */
  writer?: string;
}

/** Partial indexes of the entries with DLP findings (arguments, result), by id. */
export const DLP_ARGS_INDEX = 'dlp_args_id';
export const DLP_RESULT_INDEX = 'dlp_result_id';
/** The multikey detector index they replace; dropped where it still exists. */
export const LEGACY_DETECTOR_INDEX = 'findings.detector_1_id_-1';

const auditSchema = new Schema<AuditDoc>(
  {
    id: { type: Number, required: true },
    timestamp: { type: Date, required: true },
    agent: { type: String, required: true },
    action: { type: String, required: true },
    status: { type: String, required: true },
    source: { type: String },
    actor: { type: String, default: null },
    details: { type: String, default: '' },
    callId: { type: String, default: null },
    approvalId: { type: Number, default: null },
    argsPreview: { type: String, default: null },
    prevHash: { type: String, default: null },
    hash: { type: String, required: true },
    outcome: { type: String, default: null },
    durationMs: { type: Number, default: null },
    entryKey: { type: String },
    findings: { type: [Schema.Types.Mixed], default: undefined },
    resultFindings: { type: [Schema.Types.Mixed], default: undefined },
    resultEffect: { type: String },
    argsRedacted: { type: Boolean },
    channel: { type: String },
    upstream: { type: String },
    upstreamTool: { type: String },
    rule: { type: Schema.Types.Mixed },
    callArgs: { type: String },
    callArgsHash: { type: String },
    callArgsSalt: { type: String },
    outcomeSealed: { type: Boolean },
    sealPending: { type: Date },
    argsHash: { type: String },
    runId: { type: String },
    tags: { type: [String], default: undefined },
    terms: { type: [String], default: undefined },
    writer: { type: String },
  },
  { collection: 'audit_log', versionKey: false, autoIndex: false },
);
auditSchema.index({ id: -1 }, { unique: true });
auditSchema.index({ agent: 1, id: -1 });
auditSchema.index({ status: 1, timestamp: -1 });
// The dashboard's "newest entries with status X" (audit.list sorts by id).
auditSchema.index({ status: 1, id: -1 });
auditSchema.index({ callId: 1 });
// An entry's trace on the dashboard: the entries of the same approval.
auditSchema.index({ approvalId: 1 });
// Activity filtered by who wrote the entries (people's actions are few among many calls).
auditSchema.index({ source: 1, id: -1 });
auditSchema.index({ entryKey: 1 }, { unique: true, sparse: true });
// Outcomes whose seal may still be pending (few: a sweep removes the mark; see sealRecovery.ts).
auditSchema.index({ sealPending: 1 }, { sparse: true });
// Activity filtered by DLP detector: the entries with findings in their arguments, and those with
// findings in their result, newest first — one key per such entry and none for the rest (most of
// the log), where a multikey index on the detector wrote a key per finding and one for every
// clean entry, and could not serve the filter (it reads both sides: an $or, not one index).
// (The second field only keeps the two key patterns apart.)
auditSchema.index(
  { id: -1, agent: 1 },
  { name: DLP_ARGS_INDEX, partialFilterExpression: { findings: { $exists: true } } },
);
auditSchema.index(
  { id: -1, action: 1 },
  { name: DLP_RESULT_INDEX, partialFilterExpression: { resultFindings: { $exists: true } } },
);
// Policy facts: history.count/sum over an agent's recent calls of one action, session.touched per run.
auditSchema.index({ agent: 1, action: 1, status: 1, timestamp: -1 });
auditSchema.index({ runId: 1 }, { sparse: true });
// Activity search: one word's entries newest first (multikey; the sort comes from the index).
auditSchema.index({ terms: 1, id: -1 });
// Activity filtered by the deciding rule.
auditSchema.index({ 'rule.id': 1, id: -1 });
// Activity in a time window that holds few entries: read through this rather than walking the
// whole log newest first for a window that matches nothing (see windowHint in audit.repo.ts).
auditSchema.index({ timestamp: -1 });

export function auditModel(conn: Connection): Model<AuditDoc> {
  return (
    (conn.models.AuditEntry as Model<AuditDoc> | undefined) ??
    conn.model<AuditDoc>('AuditEntry', auditSchema)
  );
}
