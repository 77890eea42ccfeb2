import {
  PRESET_MS,
  type ActivityTimeline,
  type AuditStatus,
  type ScanFinding,
} from '@aegis/shared';
import type { Repos } from '../data/repos';
import { fromFieldKey, type RollupDoc } from '../data/repos/rollups.repo';
import type { TimelineWindow } from './types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Verdict columns of the timeline chart; other statuses (decisions by people, errors) are not verdicts. */
const COLUMN: Partial<Record<AuditStatus, 'allowed' | 'blocked' | 'review' | 'killed'>> = {
  ALLOWED: 'allowed',
  BLOCKED: 'blocked',
  PENDING: 'review',
  KILLED: 'killed',
};

/**
 * Bucket sizes a chart may use; the smallest that keeps a range within MAX_BUCKETS wins. No 30
 * minutes: a bucket that is not whole hours is summed from minute rollups, and "last 24 hours"
 * in half hours read 1,440 of them (37 ms at 10,000,000 entries); in hours it reads 25.
 */
const SIZES = [1, 5, 15, 60, 180, 360, 720, 1440].map((m) => m * MINUTE);
const MAX_BUCKETS = 60;

/** A chart's buckets: `count` of `size` ms from `firstStart`; entries before `end` (none: every later one). */
export interface TimelinePlan {
  firstStart: number;
  size: number;
  count: number;
  end: number | null;
}

/**
 * The buckets of a chart: the last `hours` whole hours (the overview's default), or a window
 * `from`–`to` (or a preset `range` ending now) cut into buckets that fit it (a 15-minute range in
 * minutes, 30 days in days). Bucket starts are multiples of the size since the epoch.
 */
export function bucketsFor(window: TimelineWindow, now = Date.now()): TimelinePlan {
  if (window.range && !window.from)
    return bucketsFor({ from: new Date(now - PRESET_MS[window.range]).toISOString() }, now);
  if (!window.from) {
    const hours = window.hours ?? 24;
    return {
      firstStart: Math.floor(now / HOUR) * HOUR - (hours - 1) * HOUR,
      size: HOUR,
      count: hours,
      end: null,
    };
  }
  const from = Date.parse(window.from);
  const to = window.to ? Date.parse(window.to) : now;
  const span = Math.max(MINUTE, to - from);
  const size = SIZES.find((s) => span / s <= MAX_BUCKETS) ?? 1440 * MINUTE;
  const firstStart = Math.floor(from / size) * size;
  return { firstStart, size, count: Math.ceil((to - firstStart) / size) || 1, end: to };
}

type Row = {
  status: AuditStatus;
  timestamp: Date;
  action: string;
  findings?: ScanFinding[];
  resultFindings?: ScanFinding[];
};

/** The chart's counters, fed entries (the log) or rollup documents (their sums). */
class Tally {
  readonly buckets: ActivityTimeline['buckets'];
  private readonly blockedByAction = new Map<string, number>();
  private readonly byDetector = new Map<string, { count: number; calls: number }>();

  constructor(private readonly plan: TimelinePlan) {
    this.buckets = Array.from({ length: plan.count }, (_, i) => ({
      start: new Date(plan.firstStart + i * plan.size).toISOString(),
      allowed: 0,
      blocked: 0,
      review: 0,
      killed: 0,
    }));
  }

  private bucketAt(at: number) {
    return this.buckets[Math.floor((at - this.plan.firstStart) / this.plan.size)];
  }

  /** `n` entries of `status` at `at` (one bucket). */
  verdicts(at: number, status: string, n: number): void {
    const column = COLUMN[status as AuditStatus];
    const bucket = this.bucketAt(at);
    if (column && bucket) bucket[column] += n;
  }

  /** `n` BLOCKED entries of `action` at `at`, for "top blocked". */
  blocked(at: number, action: string, n: number): void {
    if (this.bucketAt(at))
      this.blockedByAction.set(action, (this.blockedByAction.get(action) ?? 0) + n);
  }

  /** `count` matches of a detector, found in `calls` entries. */
  detector(detector: string, count: number, calls: number): void {
    const n = this.byDetector.get(detector) ?? { count: 0, calls: 0 };
    n.count += count;
    n.calls += calls;
    this.byDetector.set(detector, n);
  }

  /** One entry of the log: a detector counts one call however often and on whichever side it was found. */
  row(row: Row): void {
    const perDetector = new Map<string, number>();
    for (const f of [...(row.findings ?? []), ...(row.resultFindings ?? [])])
      perDetector.set(f.detector, (perDetector.get(f.detector) ?? 0) + f.count);
    for (const [detector, count] of perDetector) this.detector(detector, count, 1);
    const at = new Date(row.timestamp).getTime();
    this.verdicts(at, row.status, 1);
    if (row.status === 'BLOCKED') this.blocked(at, row.action, 1);
  }

  /** Rollup documents of kind `tl` (each within one bucket: its grain divides the size). */
  docs(docs: readonly RollupDoc[]): void {
    for (const d of docs) {
      const at = d.t.getTime();
      for (const [status, n] of Object.entries((d.v ?? {}) as Record<string, number>))
        this.verdicts(at, status, n);
      for (const [action, n] of Object.entries(d.b ?? {}))
        this.blocked(at, fromFieldKey(action), n);
      // Calls with the detector in their arguments, and the other entries that had it.
      for (const [detector, calls] of Object.entries(d.c ?? {}))
        this.detector(detector, d.f?.[detector] ?? 0, calls);
      for (const [detector, matches] of Object.entries(d.xf ?? {}))
        this.detector(detector, matches, d.xc?.[detector] ?? 0);
    }
  }

  result(): ActivityTimeline {
    const topBlocked = [...this.blockedByAction]
      .map(([action, count]) => ({ action, count }))
      .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action))
      .slice(0, 5);
    const findings = [...this.byDetector]
      .filter(([, n]) => n.calls > 0)
      .map(([detector, n]) => ({ detector, ...n }))
      .sort((a, b) => b.calls - a.calls || a.detector.localeCompare(b.detector));
    return { buckets: this.buckets, topBlocked, findings, bucketMs: this.plan.size };
  }
}

/** The chart counted from every audit entry in its window (no rollups; the reference answer). */
export async function scanTimeline(repos: Repos, plan: TimelinePlan): Promise<ActivityTimeline> {
  const tally = new Tally(plan);
  const rows = await repos.audit.recent(
    new Date(plan.firstStart),
    plan.end === null ? undefined : new Date(plan.end),
  );
  for (const row of rows) tally.row(row);
  return tally.result();
}

const GRAINS = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
] as const;

/**
 * The chart summed from the timeline rollups: each bucket from the coarsest grain dividing its
 * size (days, hours or minutes). An end inside a grain unit is read at finer grains, and its last
 * partial minute from the log (at most a minute of entries), so the counts match `scanTimeline`.
 */
export async function rollupTimeline(repos: Repos, plan: TimelinePlan): Promise<ActivityTimeline> {
  const first = GRAINS.findIndex(([, ms]) => plan.size % ms === 0);
  const reads: Array<Promise<RollupDoc[]>> = [];
  const read = (g: 'm' | 'h' | 'd', from: number, to: number | null) => {
    reads.push(
      repos.rollups.find({
        k: 'tl',
        g,
        from: new Date(from),
        to: to === null ? null : new Date(to),
      }),
    );
  };
  let cursor = plan.firstStart;
  let tail: Promise<Row[]> | null = null;
  if (plan.end === null) read(GRAINS[first]![0], cursor, null);
  else {
    for (const [g, ms] of GRAINS.slice(first)) {
      const edge = plan.end - (((plan.end % ms) + ms) % ms);
      if (edge <= cursor) continue;
      read(g, cursor, edge);
      cursor = edge;
    }
    if (cursor < plan.end) tail = repos.audit.recent(new Date(cursor), new Date(plan.end));
  }
  const tally = new Tally(plan);
  for (const docs of await Promise.all(reads)) tally.docs(docs);
  for (const row of (await tail) ?? []) tally.row(row);
  return tally.result();
}
