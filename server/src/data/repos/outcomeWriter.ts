import type { Model } from 'mongoose';
import type { CallOutcome, ResultEffect, ScanFinding } from '@aegis/shared';
import type { AuditDoc } from '../models/audit.model';
import { GroupCommitQueue } from './groupCommit';

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
export function outcomeSet(outcome: CallOutcome, durationMs: number, report: ResultReport = {}): Record<string, unknown> {
  const set: Record<string, unknown> = { outcome, durationMs };
  if (report.resultFindings?.length) {
    set.resultFindings = report.resultFindings.map(({ detector, path, count, confidence }) => ({ detector, path, count, confidence }));
  }
  if (report.resultEffect) set.resultEffect = report.resultEffect;
  return set;
}

/** The update recording an outcome; the outcome becomes a search term of the entry too. */
export function outcomeUpdate(outcome: CallOutcome, durationMs: number, report: ResultReport = {}) {
  return { $set: outcomeSet(outcome, durationMs, report), $addToSet: { terms: outcome } };
}

/**
 * Records call outcomes (write-once: only where `outcome` is still null). Outcomes arriving while
 * an update is in flight go out together as one bulk write, so the SDK's after-the-call reports
 * cost one store transaction between them instead of one each.
 */
export class OutcomeWriter {
  private readonly queue: GroupCommitQueue<OutcomeUpdate, void>;

  constructor(model: Model<AuditDoc>) {
    this.queue = new GroupCommitQueue<OutcomeUpdate, void>(
      async (updates) => {
        await model.collection.bulkWrite(
          updates.map((u) => ({
            updateOne: {
              filter: { id: u.id, outcome: null },
              update: outcomeUpdate(u.outcome, u.durationMs, u),
            },
          })),
          { ordered: false },
        );
        return updates.map(() => undefined);
      },
      { maxGroup: 500 },
    );
  }

  set(id: number, outcome: CallOutcome, durationMs: number, report: ResultReport = {}): Promise<void> {
    return this.queue.push({ id, outcome, durationMs, ...report });
  }

  drain(): Promise<void> {
    return this.queue.drain();
  }
}
