import type { Model } from 'mongoose';
import type { CounterDoc } from '../models/counter.model';

/**
 * Hands out sequential ids from the `counters` collection in blocks: one `$inc` reserves `block`
 * ids, which are then given out from memory, so most inserts cost no counter round trip.
 *
 * One server process owns a database (the counters and the audit hash chain assume it). On start
 * the allocator resumes right after the highest id already stored, so a restart leaves no gap as
 * long as the reserved block is not exhausted.
 */
export class IdAllocator {
  private nextId = 1;
  private limit = 0;
  private ready = false;
  private refilling: Promise<void> | null = null;

  constructor(
    private readonly counters: Model<CounterDoc>,
    private readonly name: string,
    private readonly highestStored: () => Promise<number>,
    private readonly block = 100,
  ) {}

  /** The next id; synchronous in effect whenever the current block has ids left. */
  async next(): Promise<number> {
    while (!this.ready || this.nextId > this.limit) await this.refill();
    return this.nextId++;
  }

  /**
   * Forget the in-memory block after the collection was wiped. The counter itself is kept, so
   * new ids continue above every id ever handed out: a client resuming a stream with an old
   * last-seen id must never skip entries that reuse smaller ids.
   */
  reset(): void {
    this.ready = true;
    this.nextId = 1;
    this.limit = 0;
  }

  /** Re-read the highest stored id (after a duplicate key: something else wrote ids). */
  resync(): void {
    this.ready = false;
  }

  private refill(): Promise<void> {
    this.refilling ??= this.doRefill().finally(() => {
      this.refilling = null;
    });
    return this.refilling;
  }

  private async doRefill(): Promise<void> {
    if (!this.ready) {
      const [max, counter] = await Promise.all([
        this.highestStored(),
        this.counters.findById(this.name).lean<CounterDoc | null>(),
      ]);
      this.nextId = max + 1;
      this.limit = counter?.seq ?? 0;
      this.ready = true;
      if (this.nextId <= this.limit) return;
    }
    let doc = await this.counters
      .findOneAndUpdate(
        { _id: this.name },
        { $inc: { seq: this.block } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<CounterDoc>();
    if (doc.seq < this.nextId) {
      // The counter fell behind the stored ids (e.g. an older database): move it past them.
      doc = await this.counters
        .findOneAndUpdate(
          { _id: this.name },
          { $set: { seq: this.nextId - 1 + this.block } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<CounterDoc>();
    }
    this.nextId = Math.max(this.nextId, doc.seq - this.block + 1);
    this.limit = doc.seq;
  }
}
