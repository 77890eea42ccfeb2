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
import { hashAuditEntry, wellFormed } from '../auditChain';
import type { AuditDoc } from '../models/audit.model';
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
/** Lost races in a row before a group fails (each lost race means another server appended). */
const MAX_ATTEMPTS = 100;

type Head = { id: number; hash: string | null };

/**
 * The only path by which audit entries are inserted, safe with any number of server processes
 * on one database. The chain needs no process to own it: the unique index on `id` is the
 * compare-and-swap. A group appends at `head.id + 1, + 2, …`, each `prevHash` the hash before it,
 * as one ordered `insertMany`; if another server appended first, the insert stops at the first
 * taken id (duplicate key) — what went in before it is kept (it is correctly chained: ordered
 * inserts stop at the first error), the rest is re-chained onto the newest stored entry and tried
 * again. Entry k+1 is only ever inserted after entry k is stored, so ids have no gaps and a
 * reader that saw entry k has seen every entry before it. Entries arriving while an insert is in
 * flight are committed together (group commit), so concurrent decisions cost one round trip
 * between them. See docs/scale.md.
 */
export class AuditWriter {
  /** The newest entry as this process last knew it; undefined: read it from the database. */
  private head: Head | undefined = undefined;
  private readonly queue = new GroupCommitQueue<AuditRecord, WrittenEntry>(
    (records) => this.commitAll(records),
    {
      maxGroup: MAX_GROUP,
      onFailure: () => (this.head = undefined),
    },
  );

  constructor(
    private readonly model: Model<AuditDoc>,
    /** Where ids continue when the log is empty (kept across a demo reset). */
    private readonly floor: () => Promise<number>,
    private readonly onWritten: OnAuditWritten,
    /** This process's id on every entry it writes (AuditDoc.writer); none in tests of the writer alone. */
    private readonly writerId?: string,
  ) {}

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
    this.head = undefined;
  }

  /** Resolves when everything queued so far is stored. */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  private async commitAll(records: AuditRecord[]): Promise<WrittenEntry[]> {
    const results: WrittenEntry[] = [];
    let rest = records;
    for (let attempt = 0; rest.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error('audit append lost too many races; giving up');
      this.head ??= await this.readHead();
      const docs = this.chain(rest, this.head);
      try {
        // The raw driver: these documents are built here, already in their stored shape.
        await this.model.collection.insertMany(
          docs.map((d) => ({ ...d })),
          { ordered: true },
        );
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        this.head = undefined;
        const done = await this.resolvePartial(rest, docs);
        results.push(...done);
        rest = rest.slice(done.length);
        continue;
      }
      const last = docs[docs.length - 1] as AuditDoc;
      this.head = { id: last.id, hash: last.hash };
      const written = docs.map(toAuditEntry);
      this.onWritten(written, docs);
      results.push(...written);
      rest = [];
    }
    return results;
  }

  /**
   * After a duplicate key: which leading documents of ours went in (same id and same hash — the
   * hash covers prevHash, so only our document can carry it), and whether the first one that did
   * not was refused for its `entryKey` (then the stored entry answers that record).
   */
  private async resolvePartial(records: AuditRecord[], docs: AuditDoc[]): Promise<WrittenEntry[]> {
    const stored = await this.model.collection
      .find({ id: { $in: docs.map((d) => d.id) } }, { projection: { id: 1, hash: 1 } })
      .toArray();
    const hashById = new Map(stored.map((d) => [d.id as number, d.hash as string]));
    const done: WrittenEntry[] = [];
    for (const doc of docs) {
      if (hashById.get(doc.id) !== doc.hash) break;
      done.push(toAuditEntry(doc));
    }
    if (done.length > 0) this.onWritten(done, docs.slice(0, done.length));
    const next = records[done.length];
    if (next?.entryKey) {
      const existing = await this.model.collection.findOne({ entryKey: next.entryKey });
      if (existing) done.push(earlierEntry(existing as unknown as AuditDoc));
    }
    return done;
  }

  private async readHead(): Promise<Head> {
    const last = await this.model.collection.findOne(
      {},
      { sort: { id: -1 }, projection: { id: 1, hash: 1 } },
    );
    if (last) return { id: last.id as number, hash: last.hash as string };
    return { id: await this.floor(), hash: null };
  }

  private chain(records: AuditRecord[], head: Head): AuditDoc[] {
    let { id, hash: prevHash } = head;
    return records.map((record) => {
      id += 1;
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
      if (record.argsRedacted) doc.argsRedacted = true;
      if (record.callArgs) doc.callArgs = record.callArgs;
      if (record.argsHash) doc.argsHash = record.argsHash;
      if (record.runId) doc.runId = record.runId;
      if (record.tags?.length) doc.tags = [...record.tags];
      if (this.writerId) doc.writer = this.writerId;
      doc.terms = searchTerms(
        entrySearchTexts({ ...doc, outcome: doc.outcome, rule: doc.rule ?? null }),
      );
      prevHash = hash;
      return doc;
    });
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

/** Another writer took an id (or an entryKey) first; bulk errors carry the code on the error. */
function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: unknown; writeErrors?: unknown } | null;
  if (e?.code === 11000) return true;
  const first = Array.isArray(e?.writeErrors) ? (e.writeErrors[0] as { code?: unknown }) : null;
  return first?.code === 11000;
}
