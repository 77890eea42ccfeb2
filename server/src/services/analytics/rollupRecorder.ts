import type { Logger } from 'pino';
import type { Repos } from '../../data/repos';
import {
  IncrementSet,
  type LateResult,
  type RollupSource,
} from '../../data/repos/rollupIncrements';
import { KnownRuns, runsOf } from '../../data/repos/rollupRuns';
import { ActionCap } from '../../data/repos/rollupActionCap';
import { WATERMARK_BEAT_MS, watermarkOp } from '../../data/repos/rollupWatermarks';

/** Attempts before a group of increments is given up (and logged: a rebuild restores it). */
const MAX_ATTEMPTS = 5;
/**
 * How long a group of entries gathers before its increments are written. Sequential calls of one
 * agent land in the same minute/hour/day documents (ten per call), so 200 ms of them become one
 * upsert per document instead of one per call: each upsert costs the store ~0.1–0.3 ms of CPU, so
 * a sequential caller's rollup share falls from ~0.1–0.2 ms per call at 50 ms to a quarter of it.
 * Readers on this server `drain()` first, so they never see the delay; another server's readers
 * see counts at most this late, and what a crash loses of it the watermarks recover.
 */
const COALESCE_MS = 200;
/**
 * A group this large is written without waiting for the rest of its pause: under heavy load the
 * upserts are shared by hundreds of calls anyway, and a bigger group would only hold the event
 * loop longer when it is folded (~12 µs per entry) and applied.
 */
const MAX_GROUP = 512;

/**
 * Keeps the rollups up to date with the entries this server writes. `record` never waits and
 * never throws: the audit write has already succeeded when it is called, and a rollup problem
 * must not touch it. Each group of increments gathers for COALESCE_MS first — also between groups,
 * or a busy server would write each call alone as soon as the previous group was done — so under
 * load many entries share one bulk upsert. Each entry is written by exactly one server, and `$inc`
 * is atomic, so several servers on one database add up correctly.
 *
 * What it holds in memory is never the only record: with a `writer` (this server's id on the
 * entries it stores), each write of counters also moves the server's watermark — the id up to
 * which its entries are counted — and an idle server beats it. If the server stops before a
 * group is written, another server finds the stale watermark and counts the entries past it
 * (recoverWriters.ts), so the Overview, analytics, the graph and the manifests' observed tools
 * never silently miss the calls of a server's last moments.
 */
export class RollupRecorder {
  private pending: RollupSource[] = [];
  /** Result findings added to entries by their outcome reports. */
  private pendingResults: LateResult[] = [];
  private flushing: Promise<void> | null = null;
  /** Ends the current gathering pause early (a reader is draining). */
  private hurry: (() => void) | null = null;
  private draining = 0;
  /** Entries whose increments were given up after MAX_ATTEMPTS (the /metrics-style counter). */
  dropped = 0;
  private readonly knownRuns = new KnownRuns();
  /** Each agent's itemised actions (learnt from the store once per agent, then kept here). */
  private readonly actions = new ActionCap();

  private beats: NodeJS.Timeout | null = null;

  constructor(
    private readonly repos: Repos,
    private readonly logger: Logger,
    private readonly coalesceMs = COALESCE_MS,
    private readonly writer?: string,
  ) {}

  /**
   * Opens this server's watermark at the log's head (its entries all come after), before it
   * writes any; then beats it while idle. Without a writer: nothing.
   */
  async start(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    const head = await this.repos.rollups.auditHead();
    await this.repos.rollups.apply([], [watermarkOp(writer, head, new Date())]);
    this.beats = setInterval(() => {
      this.repos.rollups.watermarks
        .beat(writer, new Date())
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'rollup watermark beat failed'),
        );
    }, WATERMARK_BEAT_MS);
    this.beats.unref();
  }

  /** Writes what is pending and removes the watermark: everything this server wrote is counted. */
  async stop(): Promise<void> {
    if (this.beats) clearInterval(this.beats);
    this.beats = null;
    await this.drain();
    if (this.writer && this.dropped === 0) await this.repos.rollups.watermarks.retire(this.writer);
  }

  record(entries: readonly RollupSource[]): void {
    this.pending.push(...entries);
    if (this.pending.length >= MAX_GROUP) this.hurry?.();
    this.flushing ??= this.flush().finally(() => (this.flushing = null));
  }

  /** Result findings an outcome report added to entries this server or another wrote. */
  recordResults(late: readonly LateResult[]): void {
    this.pendingResults.push(...late);
    this.flushing ??= this.flush().finally(() => (this.flushing = null));
  }

  /** Resolves once everything recorded so far is applied (or given up), without the pauses. */
  async drain(): Promise<void> {
    this.draining++;
    try {
      this.hurry?.();
      while (this.flushing) await this.flushing;
    } finally {
      this.draining--;
    }
  }

  private gather(): Promise<void> {
    if (this.draining > 0 || this.pending.length >= MAX_GROUP) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.hurry = null;
        resolve();
      };
      const timer = setTimeout(done, this.coalesceMs);
      timer.unref();
      this.hurry = done;
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0 || this.pendingResults.length > 0) {
      await this.gather();
      const entries = this.pending;
      const late = this.pendingResults;
      this.pending = [];
      this.pendingResults = [];
      // The increments are not idempotent: once applied, a retry only records the runs.
      const progress = { counted: false };
      for (let attempt = 1; ; attempt++) {
        try {
          await this.apply(entries, late, progress);
          break;
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS) {
            this.dropped += entries.length + late.length;
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

  private async apply(
    entries: readonly RollupSource[],
    late: readonly LateResult[],
    progress: { counted: boolean },
  ): Promise<void> {
    if (!progress.counted) {
      await this.count(entries, late);
      progress.counted = true;
    }
    await this.repos.rollups.recordRuns(runsOf(entries), this.knownRuns);
  }

  private async count(
    entries: readonly RollupSource[],
    late: readonly LateResult[],
  ): Promise<void> {
    const decided = entries.filter(
      (e) =>
        e.source === 'person' &&
        e.approvalId !== null &&
        (e.status === 'APPROVED' || e.status === 'DENIED'),
    );
    const created = await this.repos.rollups.approvalsCreated(
      decided.map((e) => e.approvalId as number),
    );
    await this.learnActions([
      ...entries.map((e) => e.agent),
      ...late.flatMap((l) => (l.call ? [l.call.agent] : [])),
    ]);
    const set = new IncrementSet(this.actions);
    let through = 0;
    for (const entry of entries) {
      set.add(entry, created);
      if (entry.id !== undefined && entry.id > through) through = entry.id;
    }
    for (const result of late) set.addResult(result);
    // The watermark moves in the same command as the counters it vouches for. Entries arrive in
    // id order (the audit writer has one insert in flight at a time), so none below is pending.
    const mark = this.writer && through > 0 ? [watermarkOp(this.writer, through, new Date())] : [];
    await this.repos.rollups.apply(set.values(), mark);
  }

  /** Reads the itemised actions of agents this server has not counted yet. */
  private async learnActions(agents: readonly string[]): Promise<void> {
    const unknown = this.actions.unknown(agents);
    if (unknown.length === 0) return;
    for (const [agent, actions] of await this.repos.rollups.itemisedActions(unknown))
      this.actions.load(agent, actions);
  }
}
