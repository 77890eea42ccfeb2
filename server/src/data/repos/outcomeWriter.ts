import type { Model } from 'mongoose';
import type { CallOutcome } from '@aegis/shared';
import type { AuditDoc } from '../models/audit.model';
import { GroupCommitQueue } from './groupCommit';

interface OutcomeUpdate {
  id: number;
  outcome: CallOutcome;
  durationMs: number;
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
              update: { $set: { outcome: u.outcome, durationMs: u.durationMs } },
            },
          })),
          { ordered: false },
        );
        return updates.map(() => undefined);
      },
      { maxGroup: 500 },
    );
  }

  set(id: number, outcome: CallOutcome, durationMs: number): Promise<void> {
    return this.queue.push({ id, outcome, durationMs });
  }

  drain(): Promise<void> {
    return this.queue.drain();
  }
}
