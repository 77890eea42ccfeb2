import type { Model } from 'mongoose';
import type { CallOutcome, ResultEffect, ScanFinding } from '@aegis/shared';
import { hashOutcomeRecord } from '../auditChain';
import type { AuditOutcomeDoc } from '../models/auditOutcome.model';
import { storedFindings } from './auditWriter';
import { GroupCommitQueue } from './groupCommit';
import { ChainAppender } from './hashChain';
import { commandsFor } from '../storeCommands';

/** An outcome as it was recorded on its entry, to be sealed. */
export interface OutcomeSeal {
  entryId: number;
  /** The entry's hash, as stored. */
  entryHash: string;
  outcome: CallOutcome;
  durationMs: number | null;
  resultFindings?: readonly ScanFinding[] | null;
  resultEffect?: ResultEffect | null;
  /** Sealed on recovery, from the entry as stored (see sealRecovery.ts). */
  recovered?: true;
}

const MAX_GROUP = 500;

/**
 * How long recorded outcomes gather before they are sealed in one append. Nobody waits for it:
 * the write that recorded each outcome also marked it `sealPending`, which covers a crash in the
 * meantime (see sealRecovery.ts), and verification reports a marked outcome as pending, never as
 * tampered. A sequential caller's outcomes then share one append instead of paying one each.
 */
export const SEAL_GATHER_MS = 50;

/**
 * Appends outcome records to the outcome chain (`audit_outcomes`): an outcome written onto an
 * entry after the decision is outside the entry's hash, so each one that was recorded is sealed
 * here, in its own chain (the same compare-and-swap on the unique `id` as the audit log, see
 * ChainAppender). Only outcomes that were actually recorded are sealed — the entry is updated
 * first, then sealed — so a record never claims an outcome the entry did not get; a crash
 * between the two leaves an outcome without a record but with its `sealPending` mark, which the
 * next sweep seals (see sealRecovery.ts). The
 * unique `entryId` index keeps one record per entry when two servers seal the same call.
 * Seals arriving while an append is in flight go together (group commit).
 */
export class OutcomeChain {
  private readonly chain: ChainAppender<OutcomeSeal, AuditOutcomeDoc, boolean>;
  private readonly queue = new GroupCommitQueue<OutcomeSeal, boolean>(
    (seals) => this.chain.append(seals),
    { maxGroup: MAX_GROUP, onFailure: () => this.chain.reset() },
  );

  /** Recorded outcomes gathering for the next background append (see sealSoon). */
  private gathered: OutcomeSeal[] = [];
  private gatherTimer: NodeJS.Timeout | null = null;
  private gatheredFlush: Promise<unknown> = Promise.resolve();

  constructor(model: Model<AuditOutcomeDoc>, floor: () => Promise<number>) {
    this.chain = new ChainAppender({
      collection: model.collection,
      writes: commandsFor(model),
      floor,
      build: buildRecord,
      written: () => true,
      // Refused for its entryId: the entry is sealed already (the same report, on another server).
      refused: async (seal) =>
        (await model.collection.findOne({ entryId: seal.entryId }, { projection: { _id: 1 } }))
          ? false
          : null,
    });
  }

  /** Seals these recorded outcomes; resolves once they are stored (false: sealed before). */
  sealAll(seals: readonly OutcomeSeal[]): Promise<boolean[]> {
    return this.queue.pushAll(seals);
  }

  /**
   * Seals these recorded outcomes within {@link SEAL_GATHER_MS}, in the background. Only for
   * outcomes whose recording write also set their `sealPending` mark: if this append fails or
   * the process stops first, the sweep seals them from the entries.
   */
  sealSoon(seals: readonly OutcomeSeal[]): void {
    if (seals.length === 0) return;
    this.gathered.push(...seals);
    if (this.gathered.length >= MAX_GROUP) this.sealGathered();
    else if (!this.gatherTimer) {
      this.gatherTimer = setTimeout(() => this.sealGathered(), SEAL_GATHER_MS);
      this.gatherTimer.unref();
    }
  }

  private sealGathered(): void {
    if (this.gatherTimer) clearTimeout(this.gatherTimer);
    this.gatherTimer = null;
    const batch = this.gathered.splice(0);
    // A failure leaves the outcomes marked: the next sweep seals them (and the queue has reset
    // the chain head already).
    if (batch.length) this.gatheredFlush = this.sealAll(batch).catch(() => undefined);
  }

  /** Forget the chain head (after a failure, or the collection was wiped). */
  reset(): void {
    this.chain.reset();
  }

  /** Resolves when every seal asked for so far, gathered ones included, is stored (or failed). */
  async drain(): Promise<void> {
    this.sealGathered();
    await this.gatheredFlush;
    return this.queue.drain();
  }
}

function buildRecord(seal: OutcomeSeal, id: number, prevHash: string | null): AuditOutcomeDoc {
  const hashed = {
    id,
    entryId: seal.entryId,
    entryHash: seal.entryHash,
    outcome: seal.outcome,
    durationMs: seal.durationMs ?? null,
    resultFindings: seal.resultFindings?.length ? storedFindings(seal.resultFindings) : null,
    resultEffect: seal.resultEffect ?? null,
    timestamp: new Date().toISOString(),
    prevHash,
    ...(seal.recovered ? { recovered: true as const } : {}),
  };
  return { ...hashed, hash: hashOutcomeRecord(hashed) };
}
