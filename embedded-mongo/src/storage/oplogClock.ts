import { Timestamp } from 'bson';

/** A cluster time: seconds since the epoch and an increment, as in a BSON Timestamp. */
export interface OpTime {
  t: number;
  i: number;
}

export function compareOpTime(a: OpTime, b: OpTime): number {
  return a.t !== b.t ? a.t - b.t : a.i - b.i;
}

export function toTimestamp(time: OpTime): Timestamp {
  return new Timestamp({ t: time.t, i: time.i });
}

/**
 * Hands out strictly increasing cluster times: the wall clock's seconds, and an increment within
 * the second. If the wall clock steps back (NTP), time stays at the last second handed out and
 * only the increment grows, so entries never go backwards, also across restarts (the clock resumes
 * from the newest stored entry).
 */
export class OplogClock {
  private t: number;
  private i: number;

  constructor(last?: OpTime) {
    this.t = last?.t ?? 0;
    this.i = last?.i ?? 0;
    if (this.t === 0) {
      this.t = Math.floor(Date.now() / 1000);
      this.i = 0;
    }
  }

  tick(): OpTime {
    const now = Math.floor(Date.now() / 1000);
    if (now > this.t) {
      this.t = now;
      this.i = 1;
    } else {
      this.i++;
    }
    return { t: this.t, i: this.i };
  }

  /** The latest time handed out (or the start time when nothing was written yet). */
  current(): OpTime {
    return { t: this.t, i: this.i };
  }
}
