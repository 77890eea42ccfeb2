import type { Model } from 'mongoose';
import type {
  AuditEntry,
  AuditSource,
  AuditStatus,
  CallChannel,
  CallOutcome,
  ScanFinding,
} from '@aegis/shared';
import { searchTerms, entrySearchTexts } from '@aegis/shared';
import { callArgsDigest, hashAuditEntry, newCallArgsSalt, wellFormed } from '../auditChain';
import type { AuditDoc } from '../models/audit.model';
import { GroupCommitQueue } from './groupCommit';
import { ChainAppender } from './hashChain';
import { toAuditEntry } from './mappers';
import { commandsFor } from '../storeCommands';

/** An audit entry before it has an id and a place in the chain. */
export interface AuditRecord {
  timestamp: Date;
  agent: string;
  action: string;
  status: AuditStatus;
  source: AuditSource;
  /** The person, or the key that sent a report; null for the server's own decisions. */
  actor?: string | null;
  details: string;
  callId: string | null;
  approvalId: number | null;
  argsPreview: string | null;
  entryKey?: string;
  /** Decisions: the arguments' keyed digest (the approval binding's), what a retry is checked against. */
  argsHash?: string;
  /** DLP findings on the arguments; hashed with the entry. */
  findings?: readonly ScanFinding[];
  /** Known at insert time for a local-mode record shipped after its tool finished. */
  outcome?: CallOutcome;
  durationMs?: number;
  resultFindings?: readonly ScanFinding[];
  resultEffect?: AuditDoc['resultEffect'];
  /** A REDACT rule decided: the tool ran with the masked arguments. */
  argsRedacted?: true;
  /** How the call reached Aegis (the MCP gateway, the HTTP proxy); absent for the SDK. Hashed. */
  channel?: CallChannel;
  /** Gateway calls: the upstream server and its own name of the tool that ran. Hashed. */
  upstream?: string;
  upstreamTool?: string;
  /** Decisions: the deciding rule, the call's arguments, run and tool tags (policy facts). */
  rule?: AuditDoc['rule'];
  /** Canonical JSON of the arguments. */
  callArgs?: string | null;
  runId?: string | null;
  tags?: readonly string[] | null;
}

/**
 * A stored entry. `earlier` is set when the record was not written because its `entryKey` was
 * already taken: the entry is the one stored before, with what a retry is checked against.
 */
export type WrittenEntry = AuditEntry & { earlier?: { argsHash: string | null } };

/** The stored entry of a refused key, marked as earlier. */
export function earlierEntry(doc: AuditDoc): WrittenEntry {
  return { ...toAuditEntry(doc), earlier: { argsHash: doc.argsHash ?? null } };
}

/** Told of entries as this process stored them: as the API shows them, and as stored (tags too). */
export type OnAuditWritten = (entries: AuditEntry[], docs: readonly AuditDoc[]) => void;

const MAX_GROUP = 500;

/**
 * The only path by which audit entries are inserted, safe with any number of server processes
 * on one database: a {@link ChainAppender} on `audit_log` (its unique `id` index is the
 * compare-and-swap, see there). Entries arriving while an insert is in flight are committed
 * together (group commit), so concurrent decisions cost one round trip between them. See
 * docs/scale.md.
 */
export class AuditWriter {
  private readonly chain: ChainAppender<AuditRecord, AuditDoc, WrittenEntry>;
  private readonly queue = new GroupCommitQueue<AuditRecord, WrittenEntry>(
    (records) => this.chain.append(records),
    {
      maxGroup: MAX_GROUP,
      onFailure: () => this.chain.reset(),
    },
  );

  constructor(
    model: Model<AuditDoc>,
    /** Where ids continue when the log is empty (kept across a demo reset). */
    floor: () => Promise<number>,
    onWritten: OnAuditWritten,
    /** This process's id on every entry it writes (AuditDoc.writer); none in tests of the writer alone. */
    private readonly writerId?: string,
  ) {
    this.chain = new ChainAppender({
      collection: model.collection,
      writes: commandsFor(model),
      floor,
      build: (record, id, prevHash) => this.build(record, id, prevHash),
      written: toAuditEntry,
      // The entries the writers get are the ones the listeners get (mapped once).
      onStored: (docs, entries) => onWritten(entries, docs),
      // A record refused for its entryKey: the entry stored before answers it.
      refused: async (record) => {
        if (!record.entryKey) return null;
        const existing = await model.collection.findOne({ entryKey: record.entryKey });
        return existing ? earlierEntry(existing as unknown as AuditDoc) : null;
      },
    });
  }

  /**
   * Appends one entry. A record whose `entryKey` is already stored is not written again: the
   * stored entry is returned instead (a replayed batch, or a decision retried on another server).
   */
  write(record: AuditRecord): Promise<WrittenEntry> {
    return this.queue.push(record);
  }

  /** Entries queued behind the insert in flight (the /metrics gauge). */
  get queueDepth(): number {
    return this.queue.depth;
  }

  /** Forget the chain head (after the collection was wiped). */
  reset(): void {
    this.chain.reset();
  }

  /** Resolves when everything queued so far is stored. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  private build(record: AuditRecord, id: number, prevHash: string | null): AuditDoc {
    // The digest's salt (see callArgsDigest): stored beside the arguments, never returned.
    const salt = record.callArgs ? newCallArgsSalt() : undefined;
    const hashed = {
      id,
      timestamp: record.timestamp.toISOString(),
      agent: wellFormed(record.agent),
      action: wellFormed(record.action),
      status: record.status,
      details: wellFormed(record.details),
      callId: wellFormed(record.callId),
      approvalId: record.approvalId,
      argsPreview: wellFormed(record.argsPreview),
      prevHash,
      source: record.source,
      actor: wellFormed(record.actor ?? null),
      findings: record.findings?.length ? storedFindings(record.findings) : undefined,
      ...(record.rule
        ? { rule: { id: record.rule.id, scope: record.rule.scope, version: record.rule.version } }
        : {}),
      ...(record.channel ? { channel: record.channel } : {}),
      ...(record.upstream ? { upstream: wellFormed(record.upstream) } : {}),
      ...(record.upstreamTool ? { upstreamTool: wellFormed(record.upstreamTool) } : {}),
      // The arguments are stored beside the entry but exported without it: their digest is hashed.
      ...(record.callArgs
        ? { callArgsHash: callArgsDigest(wellFormed(record.callArgs), salt) }
        : {}),
      // This entry's outcome, once recorded, is sealed in the outcome chain (see OutcomeChain).
      outcomeSealed: true,
    };
    const hash = hashAuditEntry(hashed);
    const doc: AuditDoc = {
      ...hashed,
      timestamp: record.timestamp,
      hash,
      outcome: record.outcome ?? null,
      durationMs: record.durationMs ?? null,
    };
    if (!doc.findings) delete doc.findings;
    if (record.entryKey) doc.entryKey = record.entryKey;
    if (record.resultFindings?.length) doc.resultFindings = storedFindings(record.resultFindings);
    if (record.resultEffect) doc.resultEffect = record.resultEffect;
    // Sealed right after the insert; marked so a crash in between is recovered (sealRecovery.ts).
    if (record.outcome) doc.sealPending = new Date();
    if (record.argsRedacted) doc.argsRedacted = true;
    if (record.callArgs) {
      doc.callArgs = wellFormed(record.callArgs);
      doc.callArgsSalt = salt;
    }
    if (record.argsHash) doc.argsHash = record.argsHash;
    if (record.runId) doc.runId = record.runId;
    if (record.tags?.length) doc.tags = [...record.tags];
    if (this.writerId) doc.writer = this.writerId;
    doc.terms = searchTerms(
      entrySearchTexts({ ...doc, outcome: doc.outcome, rule: doc.rule ?? null }),
    );
    return doc;
  }
}

/** Only the finding's own fields, in a fixed shape: what is hashed is exactly what is stored. */
export function storedFindings(findings: readonly ScanFinding[]): ScanFinding[] {
  return findings.map(({ detector, path, count, confidence }) => ({
    detector: wellFormed(detector),
    path: wellFormed(path),
    count,
    confidence,
  }));
}
