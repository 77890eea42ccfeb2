import type { Model } from 'mongoose';
import type { CallOutcome } from '@aegis/shared';
import type { AuditDoc } from '../models/audit.model';
import type { AuditOutcomeDoc } from '../models/auditOutcome.model';
import type { OutcomeChain, OutcomeSeal } from './outcomeChain';

/**
 * How old a `sealPending` mark must be before a sweep treats its entry as left by a stopped
 * server: a younger one may be another server's seal in flight (the outcome is written, the
 * record is being appended). A minute is far beyond one append; sealing it anyway would only be
 * refused (one record per entry), but the record would then wrongly say "recovered".
 */
export const SEAL_GRACE_MS = 60_000;

/** Entries read per round of a sweep. */
const BATCH = 500;

type Pending = Pick<
  AuditDoc,
  'id' | 'hash' | 'outcome' | 'durationMs' | 'resultFindings' | 'resultEffect'
>;

/**
 * Seals the outcomes a stopped server recorded but never sealed, and clears the marks of those
 * that were sealed. Why this design: the outcome is written onto the entry first and sealed in
 * the outcome chain right after (a record must never claim an outcome the entry did not get), so
 * a crash in between leaves an outcome without a record — which, unmarked, looks exactly like an
 * outcome written into the store by hand, or like the newest record deleted. The write that
 * records the outcome therefore also sets `sealPending` (no extra round trip); a sweep (at
 * startup, and at most once a minute while outcomes are written) seals every marked entry older
 * than {@link SEAL_GRACE_MS} that has no record, from the entry as stored — what the stopped
 * server would have sealed, since the outcome is write-once — with `recovered: true` in the
 * record's hash, so verification says these were sealed late rather than passing them off as
 * timely. Then the marks go. Verification can then fail an outcome that has neither a record nor
 * a mark, and report a marked one as pending.
 *
 * State lives only in the database, so any number of servers may sweep at once: two sealing one
 * entry append one record (the outcome chain's unique `entryId`), and clearing a mark twice is
 * harmless. Returns how many outcomes were sealed on recovery.
 */
export async function sealPendingOutcomes(
  model: Model<AuditDoc>,
  outcomes: Model<AuditOutcomeDoc>,
  seals: OutcomeChain,
  now = Date.now(),
): Promise<number> {
  const before = new Date(now - SEAL_GRACE_MS);
  let recovered = 0;
  for (;;) {
    const marked = (await model.collection
      .find(
        { sealPending: { $lte: before } },
        {
          projection: {
            _id: 0,
            id: 1,
            hash: 1,
            outcome: 1,
            durationMs: 1,
            resultFindings: 1,
            resultEffect: 1,
          },
        },
      )
      .limit(BATCH)
      .toArray()) as unknown as Pending[];
    if (marked.length === 0) return recovered;
    const ids = marked.map((d) => d.id);
    const sealed = await outcomes.collection
      .find({ entryId: { $in: ids } }, { projection: { _id: 0, entryId: 1 } })
      .toArray();
    const has = new Set(sealed.map((r) => r.entryId as number));
    const missing = marked.filter((d) => !has.has(d.id) && d.outcome);
    const done = await seals.sealAll(
      missing.map((d): OutcomeSeal => ({
        entryId: d.id,
        entryHash: d.hash,
        outcome: d.outcome as CallOutcome,
        durationMs: d.durationMs ?? null,
        resultFindings: d.resultFindings ?? null,
        resultEffect: d.resultEffect ?? null,
        recovered: true,
      })),
    );
    recovered += done.filter(Boolean).length;
    await model.collection.updateMany(
      { id: { $in: ids }, sealPending: { $lte: before } },
      { $unset: { sealPending: '' } },
    );
    if (marked.length < BATCH) return recovered;
  }
}
