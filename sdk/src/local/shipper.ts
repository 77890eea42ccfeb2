import { AegisError, AegisUnavailableError } from '../errors';
import { isUnreachable, serverCode, toAegisError } from '../serverErrors';
import type { AegisApi } from '../transport';
import type { LocalOutcome, LocalRecord } from '../types';
import { bounded, isRecord, toBatch, type CallResult, type ShipItem } from './items';
import type { Spool } from './spool';

export interface ShipperOptions {
  /** Ship at least this often. @defaultValue 100 */
  intervalMs?: number;
  /** Ship at once when this many records and outcomes are queued (the server takes ≤ 1000). @defaultValue 500 */
  maxBatch?: number;
  onBackgroundError: (error: unknown) => void;
}

/** An ALLOWED call whose tool is still running; `queued` while its record has not left the queue. */
interface Running {
  entryKey: string;
  queued: LocalRecord | null;
}

// While spooled, retry the server no more than once a second, not on every 100 ms tick.
const REPLAY_EVERY_MS = 1_000;
// How the server refuses an outcome it can never apply: unknown entry, another agent's, not ALLOWED.
const UNAPPLIABLE = new Set(['NOT_FOUND', 'FORBIDDEN', 'BAD_REQUEST']);
// How it refuses a record its report checks won't take, ever (more than the policy allowed, a
// policy version or a date it can't accept): the server keeps the claim as a VIOLATION alert, so
// dropping it here loses nothing. Any other refusal keeps records in the spool.
const REFUSED_REPORT = new Set(['FORBIDDEN', 'CONFLICT']);

/**
 * Ships local-mode records, and the outcomes of their calls, to `sdk.recordBatch` in batches —
 * never one request per call. A call that ends before its record leaves the queue (the usual
 * case) ships as one record with its outcome; a longer one sends its outcome in a later batch.
 * When the server is unreachable, or refuses a batch, the batch goes to the spool instead, and so
 * does everything after it until the spool has been replayed — keeping order, losing nothing; the
 * server's entryKey dedup and write-once outcomes make replays exact.
 */
export class RecordShipper {
  private queue: ShipItem[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private spooled = false;
  private closed = false;
  private flushPending = false;
  private lastReplayAt = 0;
  private readonly running = new Map<string, Running>();
  private readonly intervalMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly api: AegisApi,
    private readonly spool: Spool,
    private readonly options: ShipperOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxBatch = Math.min(options.maxBatch ?? 500, 1000);
  }

  /** Picks up records a previous run left in the spool. */
  async start(): Promise<void> {
    if ((await this.spool.read()).length > 0) {
      this.spooled = true;
      this.schedule();
    }
  }

  push(record: LocalRecord): void {
    if (record.status === 'ALLOWED')
      this.running.set(record.callId, { entryKey: record.entryKey, queued: record });
    this.enqueue(record);
  }

  /**
   * How the call of a pushed ALLOWED record ended: written onto the record while it is still
   * queued, else queued as an outcome of its own. After `close()` it goes to the spool, for the
   * next run to ship.
   */
  complete(callId: string, result: CallResult): void {
    const call = this.running.get(callId);
    if (!call) return; // not a locally allowed call, or reported already
    this.running.delete(callId);
    const ended = bounded(result);
    if (call.queued) {
      Object.assign(call.queued, ended);
      return;
    }
    this.enqueue({ entryKey: call.entryKey, ...ended });
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

  /**
   * Final flush; what is still unshipped stays in the spool for the next run, and so do the
   * outcomes of calls still running.
   */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closed = true;
    await this.flush(true);
    if (this.spooled) {
      this.options.onBackgroundError(
        new AegisUnavailableError(
          `Local-mode records are still in the spool ${this.spool.path}; the next run ships them`,
        ),
      );
    }
  }

  private enqueue(item: ShipItem): void {
    if (this.closed) {
      // Nothing ships after close(): the spool keeps it for the next run.
      this.spooled = true;
      this.chain = this.chain
        .then(() => this.spool.append([item]))
        .catch((error: unknown) => this.options.onBackgroundError(error));
      return;
    }
    this.queue.push(item);
    // One pending flush is enough: it ships everything queued by the time it runs.
    if (this.queue.length >= this.maxBatch && !this.flushPending) {
      this.flushPending = true;
      void this.flush();
    } else this.schedule();
  }

  /** Takes items off the queue; from here on a record's outcome can no longer join it. */
  private take(count = this.queue.length): ShipItem[] {
    const items = this.queue.splice(0, count);
    for (const item of items) {
      const call = isRecord(item) ? this.running.get(item.callId) : undefined;
      if (call?.queued === item) call.queued = null;
    }
    return items;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
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
    // Chunks the server accepts (recordBatch takes ≤ 1000); items pushed meanwhile join in.
    while (!this.spooled && this.queue.length > 0) {
      const batch = this.take(this.maxBatch);
      try {
        await this.send(batch);
      } catch (error) {
        // Unreachable or refused, the batch is never dropped: it and everything after it wait in
        // the spool, in order, for the next replay. A refusal is also reported (via the chain).
        this.spooled = true;
        await this.spool.append([...batch, ...this.take()]);
        if (isUnreachable(error)) return;
        throw error;
      }
    }
    if (this.queue.length > 0) await this.spool.append(this.take());
    if (this.spooled && (force || Date.now() - this.lastReplayAt >= REPLAY_EVERY_MS))
      await this.replay();
  }

  private async replay(): Promise<void> {
    this.lastReplayAt = Date.now();
    const items = await this.spool.read();
    let sent = 0;
    try {
      for (; sent < items.length; sent += this.maxBatch)
        await this.send(items.slice(sent, sent + this.maxBatch));
    } catch (error) {
      // Only acknowledged batches leave the spool; the rest is retried on the next replay.
      if (sent > 0) await this.spool.replace(items.slice(sent));
      if (isUnreachable(error)) return;
      throw error;
    }
    await this.spool.clear();
    this.spooled = false;
  }

  /**
   * One batch. If the server refuses it for good (not unreachable, not busy), the records are
   * tried apart from the outcomes, each half on its own: an item the server refuses alone — a
   * record it won't take, an outcome whose entry is not on this server (e.g. the audit log was
   * reset) or not this key's — can never be applied, so it is reported and left out rather than
   * holding up every item behind it. Anything else (unreachable, 429) spools the batch.
   */
  private async send(items: ShipItem[]): Promise<void> {
    try {
      await this.api.sdk.recordBatch.mutate(toBatch(items));
      return;
    } catch (error) {
      const code = serverCode(error) ?? '';
      if (isUnreachable(error) || !(UNAPPLIABLE.has(code) || REFUSED_REPORT.has(code))) throw error;
      const records = items.filter(isRecord);
      const outcomes = items.filter((item): item is LocalOutcome => !isRecord(item));
      if (records.length > 0)
        await this.sendApart(
          records,
          (r) => ({ entries: r, outcomes: [] }),
          REFUSED_REPORT,
          'record',
        );
      if (outcomes.length > 0)
        await this.sendApart(
          outcomes,
          (o) => ({ entries: [], outcomes: o }),
          UNAPPLIABLE,
          'outcome',
        );
    }
  }

  /** Sends `items`, halving on refusals until the ones refused alone are found and reported. */
  private async sendApart<T extends ShipItem>(
    items: T[],
    batch: (items: T[]) => { entries: LocalRecord[]; outcomes: LocalOutcome[] },
    droppable: ReadonlySet<string>,
    what: 'record' | 'outcome',
  ): Promise<void> {
    try {
      await this.api.sdk.recordBatch.mutate(batch(items));
    } catch (error) {
      if (!droppable.has(serverCode(error) ?? '')) throw error;
      const [only] = items;
      if (items.length === 1 && only) {
        const refused = toAegisError(error);
        const subject = what === 'record' ? 'Local-mode record' : 'Outcome of local-mode entry';
        this.options.onBackgroundError(
          new AegisError(
            refused.code,
            `${subject} ${only.entryKey} not recorded: ${refused.message}`,
            {},
            { cause: error },
          ),
        );
        return;
      }
      const half = Math.ceil(items.length / 2);
      await this.sendApart(items.slice(0, half), batch, droppable, what);
      await this.sendApart(items.slice(half), batch, droppable, what);
    }
  }
}
