import type { Logger } from 'pino';

/**
 * When governance is evaluated: soon after a manifest or policy changes (coalesced, so a burst of
 * registrations is one evaluation) and on a schedule, because "unused for 30 days" changes with
 * time alone. Results live in the database, so any server may run it.
 *
 * At most one evaluation runs at a time and none is queued behind it: agents asked for while one
 * runs wait in `pending` and are evaluated together, once, after it ends. (Queuing a run per
 * debounce let one agent's flood of new actions stack up an evaluation per second, each slower
 * than a second, and keep the server busy for minutes after the flood.)
 */
export class GovernanceSchedule {
  private pending: Set<string> | 'all' | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The evaluation under way (settles, never rejects). */
  private running: Promise<void> | null = null;
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
    this.arm();
  }

  /** Starts the debounce, unless one is started or an evaluation runs (its end arms it). */
  private arm(): void {
    if (this.closed || this.timer || this.running || this.pending === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, this.debounceMs);
    this.timer.unref();
  }

  private run(): void {
    const which = this.pending;
    if (this.running || which === null) return;
    this.pending = null;
    this.running = this.evaluate(which === 'all' ? undefined : [...which])
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error }, 'governance evaluation failed'),
      )
      .finally(() => {
        this.running = null;
        this.arm();
      });
  }

  /** Runs what is pending now (not after the debounce), after any run under way, and waits. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      if (this.running) await this.running;
      else if (this.pending === null) return;
      else this.run();
    }
  }

  /** Stops scheduling and waits for an evaluation under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.interval);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
