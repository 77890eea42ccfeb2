import { randomUUID } from 'node:crypto';
import type { LeasesRepo } from '../data/repos/leases.repo';
import { KeyedMutex } from './keyedMutex';

/** Runs tasks with the same key one after another; tasks with different keys run freely. */
export interface Locks {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/** Longer than any locked task takes; only a crashed holder's lease ever runs out. */
export const LEASE_TTL_MS = 10_000;
const MAX_BACKOFF_MS = 20;

/**
 * How long a lease may pass from one same-process waiter to the next before it goes back to the
 * database, and how many times: a server busy on one key must not keep it from the others for
 * long, and the task that gets a handed-off lease still has most of its TTL left.
 */
const HANDOFF_MAX_AGE_MS = 250;
const HANDOFF_MAX_TASKS = 16;
/**
 * After giving back a lease another server asked for, how long this one waits before taking it
 * again: longer than that server's longest backoff, so its next try finds the lease free.
 */
const COURTESY_MS = 2 * MAX_BACKOFF_MS;

interface HeldLease {
  token: string;
  takenAt: number;
  tasks: number;
}

/**
 * Mutual exclusion across every server on the database. Locked tasks are read-then-write steps
 * (two identical REVIEW calls must open one approval; a retried call must not use up a second
 * one; a policy change reads the version it bumps; a call whose rule reads `history` is decided
 * one at a time per agent): serializing them in one process is not enough once several servers
 * share the database. Same-process waiters queue in memory first (no database traffic for local
 * contention); the holder of the in-process turn then takes a lease in the database (`leases`),
 * retrying with a short backoff while another server holds it. When a task ends with another of
 * this process already queued on its key, the lease passes to it without a release and a take
 * (two store round trips per task saved for a busy key), within {@link HANDOFF_MAX_AGE_MS} and
 * {@link HANDOFF_MAX_TASKS} of its take; a server kept waiting marks the lease `wanted`, and the
 * holder that gives it back then leaves it {@link COURTESY_MS} before taking it again, so
 * servers busy on one key take turns. A server that dies
 * holding a lease delays that one key by at most {@link LEASE_TTL_MS}.
 */
export class ClusterMutex implements Locks {
  private readonly local = new KeyedMutex();
  private readonly prefix = randomUUID();
  private taken = 0;
  /** Same-process tasks queued on a key and not started yet. */
  private readonly queued = new Map<string, number>();
  /** Leases this process holds, by key: only while one of its tasks runs or is handed one. */
  private readonly held = new Map<string, HeldLease>();
  /** Keys given back to another server that asked: not taken again before this time. */
  private readonly courtesy = new Map<string, number>();

  constructor(
    private readonly leases: LeasesRepo,
    private readonly ttlMs = LEASE_TTL_MS,
  ) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    this.queued.set(key, (this.queued.get(key) ?? 0) + 1);
    return this.local.run(key, async () => {
      const left = (this.queued.get(key) ?? 1) - 1;
      if (left > 0) this.queued.set(key, left);
      else this.queued.delete(key);
      let lease = this.held.get(key);
      if (!lease) {
        const token = `${this.prefix}:${++this.taken}`;
        const wait = (this.courtesy.get(key) ?? 0) - Date.now();
        this.courtesy.delete(key);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await this.take(key, token);
        lease = { token, takenAt: Date.now(), tasks: 0 };
        this.held.set(key, lease);
      }
      lease.tasks++;
      try {
        return await task();
      } finally {
        if (!this.handsOff(key, lease)) {
          this.held.delete(key);
          // A release that fails leaves the lease to expire: slower, never wrong.
          const { wanted } = await this.leases
            .release(key, lease.token)
            .catch(() => ({ wanted: false }));
          // Our own next task would take it again at once, before the other server's next try.
          if (wanted && this.queued.has(key)) this.courtesy.set(key, Date.now() + COURTESY_MS);
        }
      }
    });
  }

  /** Whether the lease stays for the next task of this process queued on the key. */
  private handsOff(key: string, lease: HeldLease): boolean {
    return (
      (this.queued.get(key) ?? 0) > 0 &&
      lease.tasks < HANDOFF_MAX_TASKS &&
      Date.now() - lease.takenAt < Math.min(HANDOFF_MAX_AGE_MS, this.ttlMs / 4)
    );
  }

  private async take(key: string, token: string): Promise<void> {
    let backoff = 1;
    while (!(await this.leases.tryTake(key, token, this.ttlMs))) {
      await this.leases.want(key).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }
}
