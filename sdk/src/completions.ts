import type { RouterInputs } from '@aegis/server';
import { AegisError } from './errors';
import { isUnreachable } from './serverErrors';
import type { AegisApi } from './transport';

type CompleteInput = RouterInputs['sdk']['complete'];

const RETRY_DELAYS_MS = [200, 1_000, 3_000];

/**
 * Reports how server-decided calls ended (`sdk.complete`) without making the caller wait; local
 * mode ships its outcomes with its records instead (see RecordShipper). Reports are
 * retried while the server is unreachable; one that still fails goes to `onBackgroundError`, never
 * silently dropped. `flush()` waits for all of them (call it, or `aegis.close()`, before exiting).
 */
export class CompletionReporter {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly api: AegisApi,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {}

  /** Sends the report in the background. */
  report(input: CompleteInput): void {
    this.track(this.send(input));
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
    // Let reports whose `after` just resolved start first (their callbacks are queued microtasks).
    await new Promise((resolve) => setImmediate(resolve));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
