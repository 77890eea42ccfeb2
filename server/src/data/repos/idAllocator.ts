import type { Model } from 'mongoose';
import type { CounterDoc } from '../models/counter.model';

/**
 * Hands out ids from the `counters` collection. Every id is reserved there by an atomic `$inc`
 * before it is used, so any number of server processes sharing the database never hand out the
 * same id. With `block > 1` one `$inc` reserves several ids, given out from memory (fewer round
 * trips, but ids from two servers then interleave out of creation order); the default of 1 keeps
 * ids in creation order across servers, which lists sorted by id rely on.
 *
 * On first use the counter is moved past the highest id already stored (`$max`), so a database
 * written before the counter existed, or by an import, never gets an id reused.
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
    private readonly block = 1,
  ) {}

  /** The next id; synchronous in effect whenever the current block has ids left. */
  async next(): Promise<number> {
    while (this.nextId > this.limit) await this.refill();
    return this.nextId++;
  }

  /**
   * Forget the in-memory block after the collection was wiped. The counter itself is kept, so
   * new ids continue above every id ever handed out: a client resuming a stream with an old
   * last-seen id must never skip entries that reuse smaller ids.
   */
  reset(): void {
    this.nextId = 1;
    this.limit = 0;
  }

  private refill(): Promise<void> {
    this.refilling ??= this.doRefill().finally(() => {
      this.refilling = null;
    });
    return this.refilling;
  }

  private async doRefill(): Promise<void> {
    if (!this.ready) {
      const max = await this.highestStored();
      await this.counters.updateOne({ _id: this.name }, { $max: { seq: max } }, { upsert: true });
      this.ready = true;
    }
    const doc = await this.counters
      .findOneAndUpdate(
        { _id: this.name },
        { $inc: { seq: this.block } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<CounterDoc>();
    this.nextId = doc.seq - this.block + 1;
    this.limit = doc.seq;
  }
}
