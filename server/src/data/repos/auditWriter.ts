import type { Model } from 'mongoose';
import type { AuditEntry, AuditSource, AuditStatus, CallOutcome, ScanFinding } from '@aegis/shared';
import { hashAuditEntry, wellFormed } from '../auditChain';
import type { AuditDoc } from '../models/audit.model';
import type { IdAllocator } from './idAllocator';
import { GroupCommitQueue } from './groupCommit';
import { toAuditEntry } from './mappers';

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
  /** DLP findings on the arguments; hashed with the entry. */
  findings?: readonly ScanFinding[];
  /** Known at insert time for a local-mode record shipped after its tool finished. */
  outcome?: CallOutcome;
  durationMs?: number;
  resultFindings?: readonly ScanFinding[];
  resultEffect?: AuditDoc['resultEffect'];
}

const MAX_GROUP = 500;

/**
 * The only path by which audit entries are inserted. Writes are serialized through one queue so
 * ids stay sequential and every entry's `prevHash` is the hash of the entry before it; entries
 * that arrive while an insert is in flight are committed together in one `insertMany` (group
 * commit), so concurrent decisions cost one round trip between them.
 */
export class AuditWriter {
  /** Hash of the newest stored entry; undefined until read from the database. */
  private head: string | null | undefined = undefined;
  private readonly queue = new GroupCommitQueue<AuditRecord, AuditEntry>(
    async (records) => {
      const entries = await this.commitWithResync(records);
      this.onWritten(entries);
      return entries;
    },
    {
      maxGroup: MAX_GROUP,
      // The chain head is unknown after a failed insert: read it again next time.
      onFailure: () => (this.head = undefined),
    },
  );

  constructor(
    private readonly model: Model<AuditDoc>,
    private readonly ids: IdAllocator,
    private readonly onWritten: (entries: AuditEntry[]) => void,
  ) {}

  write(record: AuditRecord): Promise<AuditEntry> {
    return this.queue.push(record);
  }

  /** Forget the chain head (after the collection was wiped). */
  reset(): void {
    this.head = undefined;
  }

  /** Resolves when everything queued so far is stored. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  /**
   * A duplicate id means something outside this writer inserted entries (a bulk import, a second
   * process): resume after the highest stored id and the newest hash, and try once more.
   */
  private async commitWithResync(records: AuditRecord[]): Promise<AuditEntry[]> {
    try {
      return await this.commit(records);
    } catch (error) {
      if (!isDuplicateId(error)) throw error;
      this.head = undefined;
      this.ids.resync();
      return this.commit(records);
    }
  }

  private async commit(records: AuditRecord[]): Promise<AuditEntry[]> {
    if (this.head === undefined) {
      const last = await this.model
        .findOne({}, { hash: 1 })
        .sort({ id: -1 })
        .lean<{ hash: string } | null>();
      this.head = last?.hash ?? null;
    }
    let prevHash = this.head;
    const docs: AuditDoc[] = [];
    for (const record of records) {
      const id = await this.ids.next();
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
      docs.push(doc);
      prevHash = hash;
    }
    // The raw driver: these documents are built here, already in their stored shape.
    await this.model.collection.insertMany(
      docs.map((d) => ({ ...d })),
      { ordered: true },
    );
    this.head = prevHash;
    return docs.map(toAuditEntry);
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

/** A duplicate key on the `id` index (bulk write errors carry it in the message, not keyPattern). */
function isDuplicateId(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    keyPattern?: Record<string, unknown>;
    message?: unknown;
  } | null;
  if (e?.code !== 11000) return false;
  if (e.keyPattern) return 'id' in e.keyPattern;
  return typeof e.message === 'string' && /index: id_-?1\b/.test(e.message);
}
