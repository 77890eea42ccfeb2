import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'pino';
import { startEmbeddedMongo } from 'embedded-mongo';

export interface DataStore {
  /** A dedicated connection (never mongoose's global default), so one process can host several servers. */
  connection: Connection;
  /** The URI the connection uses, without the database name. */
  uri: string;
  embedded: boolean;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Use this MongoDB; otherwise start the embedded store. */
  mongoUri?: string;
  /** Where the embedded store keeps its files (`<dataDir>/store`), or ':memory:' for tests. */
  dataDir: string;
  dbName: string;
  logger: Logger;
}

/**
 * Opens the governance database. Without MONGO_URI the embedded MongoDB-compatible store runs in
 * this process on a loopback port; its URI goes to `<dataDir>/store.json` (mode 0600) so the
 * demo process can reach the bank database on the same store.
 */
export async function connectDataStore(opts: ConnectOptions): Promise<DataStore> {
  let uri = opts.mongoUri;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (!uri) {
    const dir = opts.dataDir === ':memory:' ? ':memory:' : path.join(opts.dataDir, 'store');
    const store = await startEmbeddedMongo({ dir, host: '127.0.0.1', port: 0 });
    // The embedded store answers the streaming (exhaust) hello without moreToCome, which makes
    // the driver clear its pool under load; polling monitoring avoids that protocol. It goes in
    // the URI so every client reading store.json (the demo) gets it too.
    uri = `${store.uri}${store.uri.includes('?') ? '&' : '?'}serverMonitoringMode=poll`;
    stopEmbedded = () => store.close();
    if (opts.dataDir !== ':memory:') await writeStoreFile(opts.dataDir, uri);
    opts.logger.info({ dir }, 'embedded store started');
  }
  const connection = mongoose.createConnection(uri, {
    dbName: opts.dbName,
    // Fail fast when MONGO_URI points nowhere, instead of mongoose's 30 s default.
    serverSelectionTimeoutMS: 10_000,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await stopEmbedded?.();
    throw error;
  }
  opts.logger.info({ db: opts.dbName, embedded: stopEmbedded !== null }, 'database connected');
  return {
    connection,
    uri,
    embedded: stopEmbedded !== null,
    async close() {
      await connection.close();
      await stopEmbedded?.();
    },
  };
}

async function writeStoreFile(dataDir: string, uri: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'store.json');
  await writeFile(file, `${JSON.stringify({ uri }, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
