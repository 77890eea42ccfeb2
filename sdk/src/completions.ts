import type { RouterInputs } from '@aegis/server';
import { AegisError } from './errors';
import { isUnreachable } from './serverErrors';
import type { AegisApi } from './transport';

type CompleteInput = RouterInputs['sdk']['complete'];

const RETRY_DELAYS_MS = [200, 1_000, 3_000];
/** Reports wait this long for company, so a busy agent sends them a batch at a time. */
const COALESCE_MS = 20;
/** …or until this many are waiting (the transport sends ≤ 20 calls per HTTP request). */
const MAX_WAITING = 60;

/**
 * Reports how server-decided calls ended (`sdk.complete`) without making the caller wait; local
 * mode ships its outcomes with its records instead (see RecordShipper). Reports are held for up
 * to {@link COALESCE_MS} and sent together: one report per call, each its own HTTP request, cost
 * the server more than the decisions did and held up the agent's next decide (bench/README.md).
 * Reports are retried while the server is unreachable; one that still fails goes to
 * `onBackgroundError`, never silently dropped. `flush()` sends the waiting ones at once and waits
 * for all of them (call it, or `aegis.close()`, before exiting).
 */
export class CompletionReporter {
  private readonly inFlight = new Set<Promise<void>>();
  private waiting: CompleteInput[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: AegisApi,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {}

  /** Sends the report in the background, with the others made within a few milliseconds. */
  report(input: CompleteInput): void {
    this.waiting.push(input);
    if (this.waiting.length >= MAX_WAITING) this.sendWaiting();
    else this.timer ??= setTimeout(() => this.sendWaiting(), COALESCE_MS);
  }

  private sendWaiting(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Called in one tick, the transport puts them in as few batched requests as it may.
    for (const input of this.waiting.splice(0)) this.track(this.send(input));
  }

  private track(task: Promise<void>): void {
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async send(input: CompleteInput): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.api.sdk.complete.mutate(input);
        return;
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined || !isUnreachable(error)) {
          this.onBackgroundError(
            new AegisError(
              'UNAVAILABLE',
              `Could not record the outcome of call ${input.callId}`,
              { callId: input.callId },
              { cause: error },
            ),
          );
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Resolves when every report made so far has been delivered or given up on. */
  async flush(): Promise<void> {
    // Calls finishing right now report from queued callbacks: let them in, then send everything.
    await new Promise((resolve) => setImmediate(resolve));
    do {
      this.sendWaiting();
      await Promise.allSettled([...this.inFlight]);
    } while (this.waiting.length > 0 || this.inFlight.size > 0);
  }
}
