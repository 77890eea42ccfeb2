import type { Logger } from 'pino';
import type { AuditEntry } from '@aegis/shared';
import type { Repos } from '../../data/repos';
import { IncrementSet } from '../../data/repos/rollupIncrements';

/** Attempts before a group of increments is given up (and logged: a rebuild restores it). */
const MAX_ATTEMPTS = 5;
/**
 * How long an entry waits for others before its increments are written. Sequential calls of one
 * agent land in the same minute/hour/day documents, so 20 ms of them become one upsert per
 * document instead of one per call (a call with DLP findings touches ~20 documents). Readers on
 * this server `drain()` first, so they never see the delay.
 */
const COALESCE_MS = 20;

/**
 * Keeps the rollups up to date with the entries this server writes. `record` never waits and
 * never throws: the audit write has already succeeded when it is called, and a rollup problem
 * must not touch it. Entries arriving while an update is in flight are folded into the next one,
 * so under load many entries share one bulk upsert; when idle, an entry waits COALESCE_MS for
 * company. Each entry is written by exactly one server, and `$inc` is atomic, so several servers
 * on one database add up correctly.
 */
export class RollupRecorder {
  private pending: AuditEntry[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Entries whose increments were given up after MAX_ATTEMPTS (the /metrics-style counter). */
  dropped = 0;

  constructor(
    private readonly repos: Repos,
    private readonly logger: Logger,
    private readonly coalesceMs = COALESCE_MS,
  ) {}

  record(entries: readonly AuditEntry[]): void {
    this.pending.push(...entries);
    // A flush in progress picks these up when it finishes its current group.
    if (this.flushing || this.timer) return;
    this.timer = setTimeout(() => this.start(), this.coalesceMs);
    this.timer.unref();
  }

  /** Resolves once everything recorded so far is applied (or given up); doesn't wait the delay. */
  async drain(): Promise<void> {
    if (this.timer) this.start();
    while (this.flushing) await this.flushing;
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushing ??= this.flush().finally(() => (this.flushing = null));
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const entries = this.pending;
      this.pending = [];
      for (let attempt = 1; ; attempt++) {
        try {
          await this.apply(entries);
          break;
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS) {
            this.dropped += entries.length;
            this.logger.error(
              { err: error, entries: entries.length },
              'rollup update failed; analytics undercount until `analytics.rebuild`',
            );
            break;
          }
          await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        }
      }
    }
  }

  private async apply(entries: readonly AuditEntry[]): Promise<void> {
    const decided = entries.filter(
      (e) =>
        e.source === 'person' &&
        e.approvalId !== null &&
        (e.status === 'APPROVED' || e.status === 'DENIED'),
    );
    const created = await this.repos.rollups.approvalsCreated(
      decided.map((e) => e.approvalId as number),
    );
    const set = new IncrementSet();
    for (const entry of entries) set.add(entry, created);
    await this.repos.rollups.apply(set.values());
  }
}
