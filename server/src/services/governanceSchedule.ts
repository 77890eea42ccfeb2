import type { Logger } from 'pino';

/**
 * When governance is evaluated: soon after a manifest or policy changes (coalesced, so a burst of
 * registrations is one evaluation) and on a schedule, because "unused for 30 days" changes with
 * time alone. Results live in the database, so any server may run it.
 */
export class GovernanceSchedule {
  private pending: Set<string> | 'all' | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private readonly interval: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly evaluate: (agents?: string[]) => Promise<unknown>,
    private readonly logger: Logger,
    opts: { debounceMs?: number; intervalMs?: number } = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 1000;
    this.interval = setInterval(() => this.soon(), opts.intervalMs ?? 10 * 60_000);
    this.interval.unref();
  }
  private readonly debounceMs: number;

  /** Evaluates these agents (or all) shortly. */
  soon(agent?: string): void {
    if (this.closed) return;
    if (agent === undefined || this.pending === 'all') this.pending = 'all';
    else {
      const set = this.pending ?? new Set<string>();
      set.add(agent);
      this.pending = set;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, this.debounceMs);
    this.timer.unref();
  }

  private run(): void {
    const which = this.pending;
    this.pending = null;
    this.running = this.running
      .then(() => this.evaluate(which === 'all' || which === null ? undefined : [...which]))
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error }, 'governance evaluation failed'),
      );
  }

  /** Runs a pending evaluation now (not after the debounce) and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.run();
    }
    await this.running;
  }

  /** Stops scheduling and waits for an evaluation under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.interval);
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
