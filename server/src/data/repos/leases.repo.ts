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

    /**
     * Frees `key` if `token` still holds it; `wanted` says whether another holder-to-be asked for
     * it meanwhile ({@link want}) — in the same round trip.
     */
    async release(key: string, token: string): Promise<{ wanted: boolean }> {
      const gone = await coll.findOneAndDelete({ _id: key, token }, { projection: { wanted: 1 } });
      return { wanted: gone?.wanted === true };
    },

    /** Tells the holder of `key`, whoever it is, that someone else waits for it. */
    async want(key: string): Promise<void> {
      await coll.updateOne({ _id: key, wanted: { $ne: true } }, { $set: { wanted: true } });
    },
  };
}
export type LeasesRepo = ReturnType<typeof createLeasesRepo>;
