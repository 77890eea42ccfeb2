import type { Model } from 'mongoose';
import type { CallOutcome, ResultEffect, ScanFinding } from '@aegis/shared';
import { hashOutcomeRecord } from '../auditChain';
import type { AuditOutcomeDoc } from '../models/auditOutcome.model';
import { storedFindings } from './auditWriter';
import { GroupCommitQueue } from './groupCommit';
import { ChainAppender } from './hashChain';

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

  constructor(model: Model<AuditOutcomeDoc>, floor: () => Promise<number>) {
    this.chain = new ChainAppender({
      collection: model.collection,
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
    return Promise.all(seals.map((s) => this.queue.push(s)));
  }

  /** Forget the chain head (after a failure, or the collection was wiped). */
  reset(): void {
    this.chain.reset();
  }

  drain(): Promise<void> {
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
