import type { Model } from 'mongoose';
import type { CallOutcome, ResultEffect, ScanFinding } from '@aegis/shared';
import type { AuditDoc } from '../models/audit.model';
import { commandsFor } from '../storeCommands';
import { storedFindings } from './auditWriter';
import { GroupCommitQueue } from './groupCommit';
import { sourceOf } from './mappers';
import type { OutcomeChain, OutcomeSeal } from './outcomeChain';
import type { LateResult } from './rollupIncrements';

/** What the SDK reports about a result beside the outcome: DLP findings, what a result rule did. */
export interface ResultReport {
  resultFindings?: readonly ScanFinding[];
  resultEffect?: ResultEffect;
}

interface OutcomeUpdate extends ResultReport {
  id: number;
  /** The entry's stored hash, when this server wrote the entry (spares reading it back). */
  hash?: string;
  outcome: CallOutcome;
  durationMs: number;
}

/** The `$set` recording an outcome (and what the result held); findings stored field by field. */
export function outcomeSet(
  outcome: CallOutcome,
  durationMs: number,
  report: ResultReport = {},
): Record<string, unknown> {
  // sealPending: in the same write as the outcome, so a crash before the seal is recoverable
  // (see sealRecovery.ts) at no extra round trip.
  const set: Record<string, unknown> = { outcome, durationMs, sealPending: new Date() };
  if (report.resultFindings?.length) set.resultFindings = storedFindings(report.resultFindings);
  if (report.resultEffect) set.resultEffect = report.resultEffect;
  return set;
}

/** The update recording an outcome; the outcome becomes a search term of the entry too. */
export function outcomeUpdate(outcome: CallOutcome, durationMs: number, report: ResultReport = {}) {
  return { $set: outcomeSet(outcome, durationMs, report), $addToSet: { terms: outcome } };
}

/** Told of result findings an outcome report added to an entry (the timeline's rollups count them). */
export type OnResults = (late: LateResult[]) => void;

/** What sealing a recorded outcome reads of its entry. */
const SEAL_FIELDS = { id: 1, hash: 1 } as const;

/** The seal of an outcome this process recorded on the entry `{ id, hash }`. */
function sealOf(
  entry: { id: number; hash: string },
  outcome: CallOutcome,
  durationMs: number,
  report: ResultReport,
): OutcomeSeal {
  return {
    entryId: entry.id,
    entryHash: entry.hash,
    outcome,
    durationMs,
    resultFindings: report.resultFindings ?? null,
    resultEffect: report.resultEffect ?? null,
  };
}

/**
 * Records an outcome (write-once), reading the entry as it was, and seals it in the outcome
 * chain when the update happened. An update carrying result findings is reported to `onResults`,
 * with the entry's time and argument findings (the timeline's rollups count them).
 */
export async function setOutcomeOnce(
  model: Model<AuditDoc>,
  seals: OutcomeChain,
  filter: { id: number } | { entryKey: string },
  outcome: CallOutcome,
  durationMs: number,
  report: ResultReport,
  onResults: OnResults,
): Promise<boolean> {
  const before = await model.collection.findOneAndUpdate(
    { ...filter, outcome: null },
    outcomeUpdate(outcome, durationMs, report),
    {
      projection: {
        _id: 0,
        ...SEAL_FIELDS,
        timestamp: 1,
        findings: 1,
        agent: 1,
        action: 1,
        status: 1,
        source: 1,
        approvalId: 1,
        tags: 1,
      },
      returnDocument: 'before',
    },
  );
  if (!before) return false;
  const doc = before as unknown as Pick<
    AuditDoc,
    | 'id'
    | 'hash'
    | 'timestamp'
    | 'findings'
    | 'agent'
    | 'action'
    | 'status'
    | 'source'
    | 'approvalId'
    | 'tags'
  >;
  seals.sealSoon([sealOf(doc, outcome, durationMs, report)]);
  if (!report.resultFindings?.length) return true;
  onResults([
    {
      timestamp: doc.timestamp,
      findings: doc.findings ?? [],
      resultFindings: report.resultFindings,
      call: {
        agent: doc.agent,
        action: doc.action,
        status: doc.status,
        source: sourceOf(doc),
        approvalId: doc.approvalId ?? null,
        tags: doc.tags ?? null,
      },
    },
  ]);
  return true;
}

/** A write-once outcome update of a bulk write, naming its entry by id or by client key. */
export type KeyedOutcome = ({ id: number; hash?: string } | { entryKey: string }) & {
  outcome: CallOutcome;
  durationMs: number;
} & ResultReport;

/**
 * Records outcomes without result findings as one unordered bulk write, then seals those that
 * were recorded: a bulk write does not say which of its updates happened, so unless all of them
 * did (every update names a different entry by id, its hash known, and as many were modified),
 * the entries are read back (one query) and an update counts as done when its entry now holds
 * exactly it (of several updates of one entry with the same values, the first). Returns, per
 * update, whether it was recorded — a report that lost to another of the same call is told so,
 * not answered as if its outcome had been stored. The seals follow in the background (see
 * OutcomeChain.sealSoon); each recorded outcome carries its `sealPending` mark until then.
 */
export async function setOutcomesInBulk(
  model: Model<AuditDoc>,
  seals: OutcomeChain,
  updates: readonly KeyedOutcome[],
): Promise<boolean[]> {
  if (updates.length === 0) return [];
  const [only] = updates;
  // A group of one (a sequential caller's report): updateOne sends the same update command
  // without the driver's bulk-write machinery, as the chain's insertOne does.
  const writes = commandsFor(model);
  const res =
    updates.length === 1 && only
      ? await writes.updateOne(
          { ...keyOf(only), outcome: null },
          outcomeUpdate(only.outcome, only.durationMs, only),
        )
      : await writes.bulkWrite(
          updates.map((u) => ({
            updateOne: {
              filter: { ...keyOf(u), outcome: null },
              update: outcomeUpdate(u.outcome, u.durationMs, u),
            },
          })),
          { ordered: false },
        );
  if (res.modifiedCount === 0) return updates.map(() => false);
  const known = allRecorded(updates, res.modifiedCount);
  if (known) {
    seals.sealSoon(known.map((u) => sealOf(u, u.outcome, u.durationMs, u)));
    return updates.map(() => true);
  }
  const ids = updates.flatMap((u) => ('id' in u ? [u.id] : []));
  const keys = updates.flatMap((u) => ('entryKey' in u ? [u.entryKey] : []));
  // One read per kind of key, each through its own unique index (an $or could walk the log).
  const stored = (
    await Promise.all([
      ids.length ? readBack(model, { id: { $in: ids } }) : [],
      keys.length ? readBack(model, { entryKey: { $in: keys } }) : [],
    ])
  ).flat();
  const byId = new Map(stored.map((d) => [d.id, d]));
  const byKey = new Map(stored.map((d) => [d.entryKey, d]));
  const claimed = new Set<number>();
  const toSeal: OutcomeSeal[] = [];
  const applied = updates.map((u) => {
    const doc = 'id' in u ? byId.get(u.id) : byKey.get(u.entryKey);
    const same =
      doc?.outcome === u.outcome &&
      doc.durationMs === u.durationMs &&
      (doc.resultEffect ?? null) === (u.resultEffect ?? null);
    if (!same || claimed.has(doc.id)) return false;
    claimed.add(doc.id);
    toSeal.push(sealOf(doc, u.outcome, u.durationMs, u));
    return true;
  });
  seals.sealSoon(toSeal);
  return applied;
}

/**
 * The updates with their entries' hashes when every one of them was applied, which the count
 * proves only when each names its own entry by id (an update sets at most one entry, and an
 * entry without an outcome always changes); otherwise null and they are read back.
 */
function allRecorded(
  updates: readonly KeyedOutcome[],
  modified: number,
): Array<KeyedOutcome & { id: number; hash: string }> | null {
  if (modified !== updates.length) return null;
  const ids = new Set<number>();
  for (const u of updates) {
    if (!('id' in u) || u.hash === undefined || ids.has(u.id)) return null;
    ids.add(u.id);
  }
  return updates as Array<KeyedOutcome & { id: number; hash: string }>;
}

type ReadBack = Pick<
  AuditDoc,
  'id' | 'hash' | 'entryKey' | 'outcome' | 'durationMs' | 'resultEffect'
>;

async function readBack(
  model: Model<AuditDoc>,
  filter: Record<string, unknown>,
): Promise<ReadBack[]> {
  const docs = await model.collection
    .find(filter, {
      projection: {
        _id: 0,
        ...SEAL_FIELDS,
        entryKey: 1,
        outcome: 1,
        durationMs: 1,
        resultEffect: 1,
      },
    })
    .toArray();
  return docs as unknown as ReadBack[];
}

function keyOf(u: KeyedOutcome): { id: number } | { entryKey: string } {
  return 'id' in u ? { id: u.id } : { entryKey: u.entryKey };
}

/**
 * Records call outcomes (write-once: only where `outcome` is still null) and seals them.
 * Outcomes arriving while an update is in flight go out together as one bulk write (and one
 * outcome-chain append), so the SDK's after-the-call reports cost one store transaction between
 * them instead of one each.
 */
export class OutcomeWriter {
  private readonly queue: GroupCommitQueue<OutcomeUpdate, boolean>;

  constructor(model: Model<AuditDoc>, seals: OutcomeChain, onResults: OnResults) {
    this.queue = new GroupCommitQueue<OutcomeUpdate, boolean>(
      async (all) => {
        const hasResults = (u: OutcomeUpdate) => (u.resultFindings?.length ?? 0) > 0;
        const [withResults, plain] = await Promise.all([
          Promise.all(
            all
              .filter(hasResults)
              .map((u) =>
                setOutcomeOnce(model, seals, { id: u.id }, u.outcome, u.durationMs, u, onResults),
              ),
          ),
          setOutcomesInBulk(
            model,
            seals,
            all.filter((u) => !hasResults(u)),
          ),
        ]);
        let r = 0;
        let p = 0;
        return all.map((u) => (hasResults(u) ? withResults[r++]! : plain[p++]!));
      },
      { maxGroup: 500 },
    );
  }

  /** Queues a write-once outcome; resolves whether it was recorded (false: one was already). */
  set(
    id: number,
    outcome: CallOutcome,
    durationMs: number,
    report: ResultReport = {},
    hash?: string,
  ): Promise<boolean> {
    const { resultFindings, resultEffect } = report;
    return this.queue.push({ id, hash, outcome, durationMs, resultFindings, resultEffect });
  }

  drain(): Promise<void> {
    return this.queue.drain();
  }
}
