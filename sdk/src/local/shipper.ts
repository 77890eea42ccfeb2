import { isUnreachable } from '../serverErrors';
import type { AegisApi } from '../transport';
import type { LocalRecord } from '../types';
import type { Spool } from './spool';

export interface ShipperOptions {
  /** Ship at least this often. @defaultValue 100 */
  intervalMs?: number;
  /** Ship at once when this many records are queued. @defaultValue 500 */
  maxBatch?: number;
  onBackgroundError: (error: unknown) => void;
}

interface Waiter {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// While spooled, retry the server no more than once a second, not on every 100 ms tick.
const REPLAY_EVERY_MS = 1_000;

/**
 * Ships local-mode records to `sdk.recordBatch` in batches. When the server is unreachable the
 * batch goes to the spool instead, and so does everything after it until the spool has been
 * replayed — keeping order, losing nothing; the server's entryKey dedup makes replays exact.
 */
export class RecordShipper {
  private queue: LocalRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private spooled = false;
  private flushPending = false;
  private lastReplayAt = 0;
  private readonly waiters = new Map<string, Waiter>();
  private readonly intervalMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly api: AegisApi,
    private readonly spool: Spool,
    private readonly options: ShipperOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Picks up records a previous run left in the spool. */
  async start(): Promise<void> {
    if ((await this.spool.read()).length > 0) {
      this.spooled = true;
      this.schedule();
    }
  }

  push(record: LocalRecord): void {
    // The waiter exists from the start so shipped() can never miss a record sent in between.
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    this.waiters.set(record.callId, { promise, resolve, reject });
    this.queue.push(record);
    // One pending flush is enough: it ships everything queued by the time it runs.
    if (this.queue.length >= this.maxBatch && !this.flushPending) {
      this.flushPending = true;
      void this.flush();
    } else this.schedule();
  }

  /** Resolves when the record of `callId` has reached the server (at once if it already has). */
  shipped(callId: string): Promise<void> {
    return this.waiters.get(callId)?.promise ?? Promise.resolve();
  }

  /** Whether records are waiting in the spool for the server to come back. */
  get hasSpooled(): boolean {
    return this.spooled;
  }

  /** Ships (or spools) what is queued and, if the spool holds records, tries to replay it. */
  flush(force = false): Promise<void> {
    const run = this.chain.then(() => this.flushOnce(force));
    this.chain = run.catch((error: unknown) => this.options.onBackgroundError(error));
    return this.chain;
  }

  /** Final flush; records still unshipped stay in the spool for the next run. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush(true);
    // Say where each unshipped record really is: only a failed spool write loses one.
    const spooled = new Set(
      this.waiters.size > 0 ? (await this.spool.read().catch(() => [])).map((r) => r.callId) : [],
    );
    for (const [callId, waiter] of this.waiters)
      waiter.reject(
        new Error(
          spooled.has(callId)
            ? `record of call ${callId} is still in the spool`
            : `record of call ${callId} was neither shipped nor spooled`,
        ),
      );
    this.waiters.clear();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().then(() => {
        if (this.queue.length > 0 || this.spooled) this.schedule();
      });
    }, this.intervalMs);
    // Shipping must not keep a finished script alive; close() does the final flush.
    this.timer.unref();
  }

  private async flushOnce(force: boolean): Promise<void> {
    this.flushPending = false;
    // Chunks the server accepts (recordBatch takes ≤ 1000); records pushed meanwhile join in.
    while (!this.spooled && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.send(batch);
      } catch (error) {
        // Unreachable or refused, the batch is never dropped: it and everything after it wait in
        // the spool, in order, for the next replay. A refusal is also reported (via the chain).
        this.spooled = true;
        await this.spool.append([...batch, ...this.queue.splice(0)]);
        if (isUnreachable(error)) return;
        throw error;
      }
    }
    if (this.queue.length > 0) await this.spool.append(this.queue.splice(0));
    if (this.spooled && (force || Date.now() - this.lastReplayAt >= REPLAY_EVERY_MS))
      await this.replay();
  }

  private async replay(): Promise<void> {
    this.lastReplayAt = Date.now();
    const records = await this.spool.read();
    let sent = 0;
    try {
      for (; sent < records.length; sent += this.maxBatch)
        await this.send(records.slice(sent, sent + this.maxBatch));
    } catch (error) {
      // Only acknowledged batches leave the spool; the rest is retried on the next replay.
      if (sent > 0) await this.spool.replace(records.slice(sent));
      if (isUnreachable(error)) return;
      throw error;
    }
    await this.spool.clear();
    this.spooled = false;
  }

  private async send(records: LocalRecord[]): Promise<void> {
    await this.api.sdk.recordBatch.mutate({ entries: records });
    for (const record of records) {
      const waiter = this.waiters.get(record.callId);
      if (waiter) {
        waiter.resolve();
        this.waiters.delete(record.callId);
      }
    }
  }
}
