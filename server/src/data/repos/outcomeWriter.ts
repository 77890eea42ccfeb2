import type { Model } from 'mongoose';
import type { CallOutcome } from '@aegis/shared';
import type { AuditDoc } from '../models/audit.model';

interface Queued {
  id: number;
  outcome: CallOutcome;
  durationMs: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_GROUP = 500;

/**
 * Records call outcomes (write-once: only where `outcome` is still null). Outcomes arriving while
 * an update is in flight go out together as one bulk write, so the SDK's after-the-call reports
 * cost one store transaction between them instead of one each.
 */
export class OutcomeWriter {
  private queue: Queued[] = [];
  private flushing = false;

  constructor(private readonly model: Model<AuditDoc>) {}

  set(id: number, outcome: CallOutcome, durationMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ id, outcome, durationMs, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_GROUP);
        try {
          await this.model.collection.bulkWrite(
            group.map((q) => ({
              updateOne: {
                filter: { id: q.id, outcome: null },
                update: { $set: { outcome: q.outcome, durationMs: q.durationMs } },
              },
            })),
            { ordered: false },
          );
          for (const q of group) q.resolve();
        } catch (error) {
          for (const q of group) q.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
