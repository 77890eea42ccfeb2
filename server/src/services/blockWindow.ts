import type { AuditEntry } from '@aegis/shared';
import type { AuditRepo } from '../data/repos/audit.repo';

const WINDOW_MS = 24 * 3600_000;

/**
 * The times of BLOCKED entries in the last 24 hours, in memory and sorted, so `stats.get` (the
 * dashboard's headline number and the risk level) needs no count over the audit log. Loaded once
 * on first use; entries this process writes meanwhile are applied if the load did not see them.
 */
export class BlockWindow {
  private times: number[] | null = null;
  private loading: Promise<number[]> | null = null;
  private buffered: AuditEntry[] = [];
  private generation = 0;

  constructor(private readonly audit: Pick<AuditRepo, 'timesSince'>) {}

  record(entry: AuditEntry): void {
    if (entry.status !== 'BLOCKED') return;
    if (this.times) insertSorted(this.times, Date.parse(entry.timestamp));
    else if (this.loading) this.buffered.push(entry);
  }

  /** BLOCKED entries at or after `now - 24 h`. */
  async count(now = Date.now()): Promise<number> {
    const times = await this.load(now);
    const cutoff = now - WINDOW_MS;
    // Drop what fell out of the window; the array stays sorted.
    let drop = 0;
    while (drop < times.length && (times[drop] as number) < cutoff) drop++;
    if (drop > 0) times.splice(0, drop);
    return times.length;
  }

  reset(): void {
    this.times = null;
    this.loading = null;
    this.buffered = [];
    this.generation++;
  }

  private load(now: number): Promise<number[]> {
    if (this.times) return Promise.resolve(this.times);
    if (!this.loading) {
      const generation = this.generation;
      this.loading = this.audit.timesSince('BLOCKED', new Date(now - WINDOW_MS)).then((rows) => {
        const maxId = rows.reduce((m, r) => Math.max(m, r.id), 0);
        const times = rows.map((r) => r.at).sort((a, b) => a - b);
        if (generation !== this.generation) return times;
        for (const e of this.buffered)
          if (e.id > maxId) insertSorted(times, Date.parse(e.timestamp));
        this.buffered = [];
        this.times = times;
        this.loading = null;
        return times;
      });
      this.loading.catch(() => {
        if (generation === this.generation) this.loading = null;
      });
    }
    return this.loading;
  }
}

function insertSorted(times: number[], at: number): void {
  // New entries are almost always the latest: check the end first.
  if (times.length === 0 || (times[times.length - 1] as number) <= at) {
    times.push(at);
    return;
  }
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= at) lo = mid + 1;
    else hi = mid;
  }
  times.splice(lo, 0, at);
}
