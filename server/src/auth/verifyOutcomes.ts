import type { Connection } from 'mongoose';
import type { Collection, Document, FindCursor } from 'mongodb';
import { canonicalJson } from '@aegis/shared';
import { callArgsDigest, hashOutcomeRecord, type HashedFinding } from '../data/auditChain';
import type { OutcomeVerifyReport } from './types';

/** A record of `audit_outcomes` as stored (any field may have been edited into anything). */
export interface StoredRecord {
  id?: unknown;
  entryId?: unknown;
  entryHash?: unknown;
  outcome?: unknown;
  durationMs?: unknown;
  resultFindings?: unknown;
  resultEffect?: unknown;
  timestamp?: unknown;
  prevHash?: unknown;
  hash?: unknown;
  recovered?: unknown;
}

/** What the outcome checks read of an audit entry besides its hashed fields. */
export interface EntryOutcomeFields {
  hash?: unknown;
  outcome?: unknown;
  durationMs?: unknown;
  resultFindings?: unknown;
  resultEffect?: unknown;
  callArgs?: unknown;
  callArgsHash?: unknown;
  callArgsSalt?: unknown;
  outcomeSealed?: unknown;
  sealPending?: unknown;
}

/** The entry fields the outcome checks read (added to the audit walk's projection). */
export const OUTCOME_CHECK_FIELDS = [
  'outcome',
  'durationMs',
  'resultFindings',
  'resultEffect',
  'callArgs',
  'callArgsHash',
  'callArgsSalt',
  'outcomeSealed',
  'sealPending',
] as const;

const MAX_LISTED = 100;
const none = (v: unknown) => v === null || v === undefined;
/** A stored value as compared: canonical JSON, absent and null alike. */
const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** How an entry's outcome fields differ from its record, in words; null when they match. */
function outcomeMismatch(entry: EntryOutcomeFields, record: StoredRecord): string | null {
  if (entry.hash !== record.entryHash) return 'the record was sealed for a different entry hash';
  const changed: string[] = [];
  if (!same(entry.outcome, record.outcome))
    changed.push(`outcome ${shown(entry.outcome)}, sealed ${shown(record.outcome)}`);
  if (!same(entry.durationMs, record.durationMs)) changed.push('durationMs');
  if (!same(entry.resultFindings, record.resultFindings)) changed.push('result findings');
  if (!same(entry.resultEffect, record.resultEffect)) changed.push('resultEffect');
  return changed.length ? changed.join('; ') : null;
}

/** A stored value in a message: text as itself, anything else as its JSON, absent as "none". */
function shown(value: unknown): string {
  if (none(value)) return 'none';
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'none');
}

/** How an entry's stored arguments stand against their digest: fine, unsealed (older), or why bad. */
export type ArgsCheck = { ok: true } | { unsealed: true } | { bad: string };

export function checkCallArgs(id: number, entry: EntryOutcomeFields): ArgsCheck {
  if (!none(entry.callArgsHash)) {
    const salt = typeof entry.callArgsSalt === 'string' ? entry.callArgsSalt : null;
    // A salt edited away (or into another) no longer gives the digest: reported as changed.
    if (
      typeof entry.callArgs === 'string' &&
      callArgsDigest(entry.callArgs, salt) === entry.callArgsHash
    )
      return { ok: true };
    return {
      bad: `entry ${id}'s stored call arguments were changed: they no longer match the digest its hash covers`,
    };
  }
  if (none(entry.callArgs)) return { ok: true };
  if (entry.outcomeSealed === true)
    return {
      bad: `entry ${id} carries call arguments it was not written with (its hash covers no digest of them)`,
    };
  return { unsealed: true };
}

/**
 * Joins the outcome chain to the audit walk: records read in entry order (the unique `entryId`
 * index) beside entries read in id order, so neither side is held in memory.
 */
/** Records past the walk's last entry that verify looks up (see OutcomeJoin.beyondTheWalk). */
const MAX_LATE_RECORDS = 1000;

export class OutcomeJoin {
  readonly report: OutcomeVerifyReport = {
    records: 0,
    sealed: 0,
    notSealed: 0,
    sealPending: [],
    sealPendingCount: 0,
    recovered: [],
    recoveredCount: 0,
    argsNotSealed: 0,
  };
  private readonly cursor: FindCursor<Document>;
  private readonly records: Collection<Document>;
  private readonly log: Collection<Document>;
  private pending: StoredRecord | null | undefined = undefined;
  /** The last entry the walk checked (records of later entries were written after it began). */
  private lastChecked = 0;

  constructor(connection: Connection) {
    this.records = connection.collection('audit_outcomes');
    this.log = connection.collection('audit_log');
    this.cursor = this.records
      .find({}, { projection: { _id: 0 } })
      .sort({ entryId: 1 })
      .batchSize(1000);
  }

  /** Checks entry `id`'s outcome against its record; the failure in words, or null. */
  async check(id: number, entry: EntryOutcomeFields): Promise<string | null> {
    this.lastChecked = id;
    const stray = await this.skipTo(id);
    if (stray) return stray;
    const record = this.pending;
    if (record && Number(record.entryId) === id) {
      this.pending = undefined;
      return this.matched(id, entry, record);
    }
    if (none(entry.outcome)) return null;
    if (entry.outcomeSealed !== true) this.report.notSealed += 1;
    else if (!none(entry.sealPending)) {
      // Recorded, its seal not yet found: in flight on some server, or left by one that stopped
      // (the next sweep seals it, see sealRecovery.ts). Not evidence of tampering.
      this.report.sealPendingCount += 1;
      if (this.report.sealPending.length < MAX_LISTED) this.report.sealPending.push(id);
    } else return this.unsealed(id, entry);
    return null;
  }

  private matched(id: number, entry: EntryOutcomeFields, record: StoredRecord): string | null {
    const mismatch = outcomeMismatch(entry, record);
    if (mismatch)
      return `entry ${id}'s outcome no longer matches outcome record ${String(record.id)} (${mismatch}): changed after it was sealed`;
    this.report.sealed += 1;
    if (record.recovered === true) {
      this.report.recoveredCount += 1;
      if (this.report.recovered.length < MAX_LISTED) this.report.recovered.push(id);
    }
    return null;
  }

  /**
   * An outcome with neither a record nor a pending mark: the write that records an outcome also
   * marks it, and only a sweep that found (or made) its record removes the mark, so no stopped
   * server leaves this — the record was deleted (the newest records leave no gap in the outcome
   * chain) or the outcome was written into the store directly. Asked once more by entry: the
   * join's cursor may have read past a record sealed (and its mark swept) while the walk ran.
   */
  private async unsealed(id: number, entry: EntryOutcomeFields): Promise<string | null> {
    const late = (await this.records.findOne(
      { entryId: id },
      { projection: { _id: 0 } },
    )) as StoredRecord | null;
    if (late) return this.matched(id, entry, late);
    return `entry ${id} has an outcome (${shown(entry.outcome)}) but no outcome record, and no seal was pending: its record was removed (deleting the newest records leaves no gap in the outcome chain), or the outcome was written into the store directly`;
  }

  /**
   * After the walk: a record left over names an entry that is not in the log. Only records of
   * entries up to the last one walked: on a live server, entries appended (and sealed) after the
   * walk read its last batch have records the join's cursor may still return.
   */
  async finish(): Promise<string | null> {
    try {
      return (await this.skipTo(this.lastChecked + 1)) ?? (await this.beyondTheWalk());
    } finally {
      await this.close();
    }
  }

  /**
   * Records of entries after the last one walked: sealed while the walk ran — or left behind by
   * entries cut off the log's end, which nothing after them links to. A record is sealed only once
   * its entry is stored, so each must name an entry the log holds now (attack review 15: the newest
   * entries deleted, their sealed outcomes' records kept, passed verification). A live server seals
   * a few while a walk runs; at most MAX_LATE_RECORDS are looked up.
   */
  private async beyondTheWalk(): Promise<string | null> {
    for (let n = 0; n < MAX_LATE_RECORDS; n++) {
      const record =
        this.pending === undefined
          ? ((await this.cursor.next()) as StoredRecord | null)
          : this.pending;
      this.pending = undefined;
      if (record === null) return null;
      const entry = await this.log.findOne(
        { id: Number(record.entryId) },
        { projection: { _id: 0, id: 1 } },
      );
      if (!entry)
        return `outcome record ${String(record.id)} names entry ${String(record.entryId)}, which is not in the log: entries were cut off its end (the outcomes of some had been sealed)`;
    }
    return null;
  }

  close(): Promise<void> {
    return this.cursor.close();
  }

  /** Reads past records of entries before `id`: each is one whose entry is not in the log. */
  private async skipTo(id: number): Promise<string | null> {
    this.pending ??= ((await this.cursor.next()) ?? null) as StoredRecord | null;
    const record = this.pending;
    if (record === null || Number(record.entryId) >= id) return null;
    return `outcome record ${String(record.id)} names entry ${String(record.entryId)}, which is not in the log (or the record names the same entry as another)`;
  }
}

/** Stored values as text; anything else as its JSON, so a changed type still shows. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/** The hash a record should carry, recomputed from its stored fields. */
function expectedRecordHash(r: StoredRecord): string {
  return hashOutcomeRecord({
    id: Number(r.id),
    entryId: Number(r.entryId),
    entryHash: text(r.entryHash),
    outcome: text(r.outcome),
    // A value of the wrong type hashes as itself (its JSON), never as what was sealed.
    durationMs: r.durationMs as number | null,
    resultFindings: (r.resultFindings ?? null) as HashedFinding[] | null,
    resultEffect: none(r.resultEffect) ? null : text(r.resultEffect),
    timestamp: text(r.timestamp),
    prevHash: none(r.prevHash) ? null : text(r.prevHash),
    // As stored: anything but the `true` that was hashed breaks the hash.
    recovered: r.recovered as boolean | null | undefined,
  });
}

export type RecordBad = { entryId: number; record: number; reason: string };

/**
 * Walks `audit_outcomes` in id order like the audit walk: an edited record no longer matches its
 * hash, a deleted one leaves a gap, a reordered one a prevHash that points elsewhere.
 */
export async function walkOutcomeChain(
  connection: Connection,
  /** A record's hash noted earlier: `notedSeen` says whether the chain holds it. */
  noted?: string,
): Promise<{
  records: number;
  firstBad: RecordBad | null;
  /** The last record walked (the chain's head), when the walk found no fault. */
  head: { id: number; hash: string } | null;
  notedSeen: boolean;
}> {
  const cursor = connection
    .collection('audit_outcomes')
    .find({}, { projection: { _id: 0 } })
    .sort({ id: 1 })
    .batchSize(1000);
  let records = 0;
  let notedSeen = false;
  let prev: { id: number; hash: string } | null = null;
  try {
    for await (const raw of cursor) {
      const r = raw as StoredRecord;
      const id = Number(r.id);
      const bad = (reason: string) => ({
        records,
        head: null,
        notedSeen,
        firstBad: {
          entryId: Number(r.entryId) || -1,
          record: Number.isFinite(id) ? id : -1,
          reason,
        },
      });
      if (!Number.isSafeInteger(id) || id <= 0)
        return bad(`outcome record has an invalid id (${String(r.id)})`);
      if (typeof r.hash !== 'string' || r.hash !== expectedRecordHash(r))
        return bad(`outcome record ${id} was modified: its contents no longer match its hash`);
      if (prev === null && !none(r.prevHash))
        return bad(
          `outcome record ${id} follows a record that is missing (the chain starts with a link)`,
        );
      if (prev !== null && id !== prev.id + 1)
        return bad(
          `outcome record ${prev.id + 1} is missing: record ids jump from ${prev.id} to ${id}`,
        );
      if (prev !== null && r.prevHash !== prev.hash)
        return bad(
          `outcome record ${id} does not follow record ${prev.id}: its prevHash does not match`,
        );
      if (r.hash === noted) notedSeen = true;
      prev = { id, hash: r.hash };
      records += 1;
    }
  } finally {
    await cursor.close();
  }
  return { records, firstBad: null, head: prev, notedSeen };
}
