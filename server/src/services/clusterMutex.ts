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
 * Mutual exclusion across every server on the database. Locked tasks are read-then-write steps
 * (two identical REVIEW calls must open one approval; a retried call must not use up a second
 * one; a policy change reads the version it bumps): serializing them in one process is not
 * enough once several servers share the database. Same-process waiters queue in memory first
 * (no database traffic for local contention); the holder of the in-process turn then takes a
 * lease in the database (`leases`), retrying with a short backoff while another server holds it.
 * A server that dies holding a lease delays that one key by at most {@link LEASE_TTL_MS}.
 */
export class ClusterMutex implements Locks {
  private readonly local = new KeyedMutex();
  private readonly prefix = randomUUID();
  private taken = 0;

  constructor(
    private readonly leases: LeasesRepo,
    private readonly ttlMs = LEASE_TTL_MS,
  ) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(key, async () => {
      const token = `${this.prefix}:${++this.taken}`;
      await this.take(key, token);
      try {
        return await task();
      } finally {
        // A release that fails leaves the lease to expire: slower, never wrong.
        await this.leases.release(key, token).catch(() => undefined);
      }
    });
  }

  private async take(key: string, token: string): Promise<void> {
    let backoff = 1;
    while (!(await this.leases.tryTake(key, token, this.ttlMs))) {
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }
}
