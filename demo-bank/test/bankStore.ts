import mongoose from 'mongoose';
import { startEmbeddedMongo, type EmbeddedMongo } from 'embedded-mongo';
import { bankDb, seedBank, type BankDb, type SeedCounts } from '../src/index.js';

/** A seeded demo bank on a throwaway in-memory store; `close()` tears both down. */
export interface TestBank {
  bank: BankDb;
  counts: SeedCounts;
  reseed(): Promise<SeedCounts>;
  close(): Promise<void>;
}

export async function startTestBank(): Promise<TestBank> {
  const store: EmbeddedMongo = await startEmbeddedMongo({ dir: ':memory:', port: 0 });
  // A connection of its own, never the global mongoose: tests in one worker must not share state.
  const conn = await mongoose.createConnection(store.uri, { dbName: 'aegis_test' }).asPromise();
  const counts = await seedBank(conn);
  return {
    bank: bankDb(conn),
    counts,
    reseed: () => seedBank(conn),
    async close() {
      await conn.close();
      await store.close();
    },
  };
}
