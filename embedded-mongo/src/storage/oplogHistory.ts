import type Database from 'better-sqlite3';
import { compareOpTime, type OpTime } from './oplogClock.js';

/** How much change history is kept. An entry goes when either limit is passed. */
export interface OplogRetention {
  /** Bytes of entries kept (documents, images, per-row overhead). @defaultValue 256 MiB */
  maxBytes: number;
  /** Age of the oldest entry kept. @defaultValue 24 hours */
  maxAgeMs: number;
}

export const DEFAULT_RETENTION: OplogRetention = { maxBytes: 256 * 1024 * 1024, maxAgeMs: 24 * 60 * 60 * 1000 };

// One trim pass deletes at most this many entries, so a large backlog never stalls the event loop.
const MAX_ROWS_PER_TRIM = 50_000;

interface Probe extends OpTime {
  seq: number;
  pos: number;
}

/**
 * The trimmed end of the oplog: which entries are gone (so a resume token older than them gets
 * ChangeStreamHistoryLost) and the trimming itself. Entries are trimmed oldest first and the
 * newest entry always stays, so sequence numbers are never reused.
 */
export class OplogHistory {
  /** The last trimmed entry (seq 0 when nothing was ever trimmed). */
  trimmed: Probe;
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      from: db.prepare<[number], Probe>('SELECT seq, t, i, pos FROM oplog WHERE seq >= ? ORDER BY seq LIMIT 1'),
      upTo: db.prepare<[number], Probe>('SELECT seq, t, i, pos FROM oplog WHERE seq <= ? ORDER BY seq DESC LIMIT 1'),
      last: db.prepare<[], Probe>('SELECT seq, t, i, pos FROM oplog ORDER BY seq DESC LIMIT 1'),
      remove: db.prepare<[number], void>('DELETE FROM oplog WHERE seq <= ?'),
      meta: db.prepare<[], { key: string; value: number }>("SELECT key, value FROM oplog_meta WHERE key LIKE 'trimmed%'"),
      setMeta: db.prepare<[string, number], void>('INSERT INTO oplog_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
    const meta = new Map(this.stmts.meta.all().map((r) => [r.key, r.value]));
    this.trimmed = { seq: meta.get('trimmedSeq') ?? 0, t: meta.get('trimmedT') ?? 0, i: meta.get('trimmedI') ?? 0, pos: 0 };
  }

  /** Whether an entry after `seq` may have been trimmed: a stream positioned there lost history. */
  lostAfter(seq: number): boolean {
    return seq < this.trimmed.seq;
  }

  /** Whether events at or after `time` may have been trimmed. */
  lostAt(time: OpTime): boolean {
    return this.trimmed.seq > 0 && compareOpTime(time, this.trimmed) <= 0;
  }

  /** The seq just before the first entry at or after `time` (entries' times grow with seq). */
  positionBefore(time: OpTime, committedSeq: number): number {
    const first = this.firstWhere((p) => compareOpTime(p, time) >= 0, committedSeq);
    return first === undefined ? committedSeq : first - 1;
  }

  /** Smallest seq ≤ upto whose entry satisfies a predicate that is monotone in seq (binary search over point reads). */
  private firstWhere(pred: (p: Probe) => boolean, upto: number): number | undefined {
    let lo = this.trimmed.seq + 1;
    let hi = upto;
    let best: number | undefined;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.stmts.from.get(mid);
      if (!row || row.seq > hi) {
        hi = mid - 1;
      } else if (pred(row)) {
        best = row.seq;
        hi = mid - 1;
      } else {
        lo = row.seq + 1;
      }
    }
    return best;
  }

  /** Deletes entries beyond the retention limits (at most MAX_ROWS_PER_TRIM per call); returns how many. */
  trim(retention: OplogRetention, now = Date.now()): number {
    const last = this.stmts.last.get();
    const first = last ? this.stmts.from.get(0) : undefined;
    if (!last || !first || first.seq === last.seq) return 0;
    let cut = 0;
    if (last.pos - first.pos > retention.maxBytes) {
      const keepFrom = this.firstWhere((p) => p.pos >= last.pos - retention.maxBytes, last.seq);
      cut = (keepFrom ?? last.seq) - 1;
    }
    const cutoff = Math.floor((now - retention.maxAgeMs) / 1000);
    if (first.t < cutoff) {
      const keepFrom = this.firstWhere((p) => p.t >= cutoff, last.seq);
      cut = Math.max(cut, (keepFrom ?? last.seq) - 1);
    }
    cut = Math.min(cut, last.seq - 1, first.seq + MAX_ROWS_PER_TRIM - 1);
    if (cut < first.seq) return 0;
    const edge = this.stmts.upTo.get(cut)!;
    let removed = 0;
    this.db.transaction(() => {
      removed = this.stmts.remove.run(cut).changes;
      this.stmts.setMeta.run('trimmedSeq', edge.seq);
      this.stmts.setMeta.run('trimmedT', edge.t);
      this.stmts.setMeta.run('trimmedI', edge.i);
    })();
    this.trimmed = edge;
    return removed;
  }
}
