import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from 'embedded-mongo';
import { InProcessStore, useInProcessStore } from '../../src/data/storeCommands';

export interface TestDb {
  /** The file's embedded store (started before the file's own `beforeAll` hooks run). */
  readonly store: EmbeddedMongo;
  /**
   * A new mongoose connection to its `aegis` database: one per server a test plays. With
   * `inProcess`, its decision-path writes go straight into the store, as a server's do when the
   * embedded store runs in its process (data/storeCommands.ts); without, through the driver.
   */
  connect(opts?: { inProcess?: boolean }): Promise<Connection>;
}

/**
 * An embedded store for one test file's repo-level tests, and the mongoose connections made to
 * it, all closed after the file. Call at the top level of the file, before its own hooks.
 */
export function useTestDb(): TestDb {
  let store: EmbeddedMongo | undefined;
  const conns: Connection[] = [];
  beforeAll(async () => {
    store = await startEmbeddedMongo();
  });
  afterAll(async () => {
    for (const conn of conns) await conn.close();
    await store?.close();
  });
  return {
    get store() {
      if (!store) throw new Error('useTestDb: the store starts in beforeAll');
      return store;
    },
    async connect(opts = {}) {
      const conn = await mongoose.createConnection(this.store.uri, { dbName: 'aegis' }).asPromise();
      if (opts.inProcess)
        useInProcessStore(conn, new InProcessStore(this.store.inProcess(), 'aegis'));
      conns.push(conn);
      return conn;
    },
  };
}
