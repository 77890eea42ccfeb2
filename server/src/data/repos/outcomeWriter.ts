import type { Model } from 'mongoose';
import type { CallOutcome, ResultEffect, ScanFinding } from '@aegis/shared';
import type { AuditDoc } from '../models/audit.model';
import { GroupCommitQueue } from './groupCommit';
import { sourceOf } from './mappers';
import type { LateResult } from './rollupIncrements';

/** What the SDK reports about a result beside the outcome: DLP findings, what a result rule did. */
export interface ResultReport {
  resultFindings?: readonly ScanFinding[];
  resultEffect?: ResultEffect;
}

interface OutcomeUpdate extends ResultReport {
  id: number;
  outcome: CallOutcome;
  durationMs: number;
}

/** The `$set` recording an outcome (and what the result held); findings stored field by field. */
export function outcomeSet(
  outcome: CallOutcome,
  durationMs: number,
  report: ResultReport = {},
): Record<string, unknown> {
  const set: Record<string, unknown> = { outcome, durationMs };
  if (report.resultFindings?.length) {
    set.resultFindings = report.resultFindings.map(({ detector, path, count, confidence }) => ({
      detector,
      path,
      count,
      confidence,
    }));
  }
  if (report.resultEffect) set.resultEffect = report.resultEffect;
  return set;
}

/** The update recording an outcome; the outcome becomes a search term of the entry too. */
export function outcomeUpdate(outcome: CallOutcome, durationMs: number, report: ResultReport = {}) {
  return { $set: outcomeSet(outcome, durationMs, report), $addToSet: { terms: outcome } };
}

/** Told of result findings an outcome report added to an entry (the timeline's rollups count them). */
export type OnResults = (late: LateResult[]) => void;

/**
 * Records an outcome carrying result findings (write-once), reading the entry as it was: only an
 * update that happened is reported to `onResults`, with the entry's time and argument findings.
 * Outcomes without findings (nearly all) go out in bulk instead.
 */
export async function setOutcomeWithResults(
  model: Model<AuditDoc>,
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
    'timestamp' | 'findings' | 'agent' | 'action' | 'status' | 'source' | 'approvalId' | 'tags'
  >;
  onResults([
    {
      timestamp: doc.timestamp,
      findings: doc.findings ?? [],
      resultFindings: report.resultFindings ?? [],
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

/**
 * Records call outcomes (write-once: only where `outcome` is still null). Outcomes arriving while
 * an update is in flight go out together as one bulk write, so the SDK's after-the-call reports
 * cost one store transaction between them instead of one each.
 */
export class OutcomeWriter {
  private readonly queue: GroupCommitQueue<OutcomeUpdate, void>;

  constructor(model: Model<AuditDoc>, onResults: OnResults) {
    this.queue = new GroupCommitQueue<OutcomeUpdate, void>(
      async (all) => {
        const updates = all.filter((u) => !u.resultFindings?.length);
        await Promise.all(
          all
            .filter((u) => u.resultFindings?.length)
            .map((u) =>
              setOutcomeWithResults(model, { id: u.id }, u.outcome, u.durationMs, u, onResults),
            ),
        );
        if (updates.length === 0) return all.map(() => undefined);
        await model.collection.bulkWrite(
          updates.map((u) => ({
            updateOne: {
              filter: { id: u.id, outcome: null },
              update: outcomeUpdate(u.outcome, u.durationMs, u),
            },
          })),
          { ordered: false },
        );
        return all.map(() => undefined);
      },
      { maxGroup: 500 },
    );
  }

  set(
    id: number,
    outcome: CallOutcome,
    durationMs: number,
    report: ResultReport = {},
  ): Promise<void> {
    return this.queue.push({ id, outcome, durationMs, ...report });
  }

  drain(): Promise<void> {
    return this.queue.drain();
  }
}
