import type { Model } from 'mongoose';
import type { LeaseDoc } from '../models/lease.model';

const isDuplicateKey = (error: unknown) => (error as { code?: unknown }).code === 11000;

/**
 * Database locks with an expiry. Taking one is an insert on a unique `_id` (only one insert can
 * win, on any number of servers); an expired one (its holder crashed) is deleted and taken over.
 */
export function createLeasesRepo(model: Model<LeaseDoc>) {
  const coll = model.db.collection<LeaseDoc>(model.collection.collectionName);
  return {
    /** True when `token` now holds `key` until `ttlMs` from now; false while another holds it. */
    async tryTake(key: string, token: string, ttlMs: number): Promise<boolean> {
      for (let attempt = 0; attempt < 2; attempt++) {
        const now = Date.now();
        try {
          await coll.insertOne({ _id: key, token, expiresAt: new Date(now + ttlMs) });
          return true;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const expired = await coll.deleteOne({ _id: key, expiresAt: { $lt: new Date(now) } });
        if (expired.deletedCount === 0) return false;
      }
      return false;
    },

    /** Frees `key` if `token` still holds it. */
    async release(key: string, token: string): Promise<void> {
      await coll.deleteOne({ _id: key, token });
    },
  };
}
export type LeasesRepo = ReturnType<typeof createLeasesRepo>;
