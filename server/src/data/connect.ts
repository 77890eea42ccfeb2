import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { StoreAccess } from '@aegis/shared';
import { startEmbeddedMongo } from 'embedded-mongo';
import { DataDirError } from './dataDir';
import { InProcessStore, useInProcessStore } from './storeCommands';

export interface DataStore {
  /** A dedicated connection (never mongoose's global default), so one process can host several servers. */
  connection: Connection;
  /** The URI the connection uses, without the database name. */
  uri: string;
  embedded: boolean;
  /** How another process reaches this database (the demo's bank), as admins may be told. */
  access: StoreAccess;
  /** The embedded store's in-process client, when it runs in this process and writes use it. */
  inProcess: InProcessStore | null;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Use this MongoDB; otherwise start the embedded store. */
  mongoUri?: string;
  /** Where the embedded store keeps its files (`<dataDir>/store`), or ':memory:' for tests. */
  dataDir: string;
  dbName: string;
  logger: Logger;
  /**
   * How the embedded store listens: a Unix socket in `<dataDir>/store` that only this OS user can
   * connect to, or a loopback TCP port any local user can connect to (kept for the bench's
   * comparison). An in-memory store always uses TCP.
   * @defaultValue 'socket'
   */
  storeTransport?: 'socket' | 'tcp';
  /**
   * The embedded store in this process: send the decision path's writes straight into it
   * (storeCommands.ts) rather than through the driver and the socket. `false` keeps every
   * command on the driver (the bench's comparison; tests of the driver path).
   * @defaultValue true
   */
  inProcessWrites?: boolean;
}

/**
 * Opens the governance database. Without MONGO_URI the embedded MongoDB-compatible store runs in
 * this process, by default on a Unix socket inside the (0700) data directory.
 */
export async function connectDataStore(opts: ConnectOptions): Promise<DataStore> {
  let uri = opts.mongoUri;
  let stopEmbedded: (() => Promise<void>) | null = null;
  let inProcess: InProcessStore | null = null;
  let access: StoreAccess = { kind: 'external', hosts: hostsOf(uri ?? '') };
  if (!uri) {
    const inMemory = opts.dataDir === ':memory:';
    const dir = inMemory ? ':memory:' : path.join(opts.dataDir, 'store');
    const tcp = inMemory || opts.storeTransport === 'tcp';
    const store = await startEmbeddedMongo({
      dir,
      ...(tcp ? { host: '127.0.0.1', port: 0 } : {}),
    }).catch((error: unknown) => refuse(error, opts.dataDir));
    // The embedded store answers the streaming (exhaust) hello without moreToCome, which makes
    // the driver clear its pool under load; polling monitoring avoids that protocol. It goes in
    // the URI so every client told about the store (the demo) gets it too.
    uri = `${store.uri}${store.uri.includes('?') ? '&' : '?'}serverMonitoringMode=poll`;
    access = { kind: 'embedded', uri, socket: store.socket ?? null };
    stopEmbedded = () => store.close();
    if (opts.inProcessWrites ?? true) inProcess = new InProcessStore(store.inProcess(), opts.dbName);
    opts.logger.info(
      { dir, listen: store.socket ?? `127.0.0.1:${store.port}` },
      'embedded store started',
    );
  }
  const connection = mongoose.createConnection(uri, {
    dbName: opts.dbName,
    // Fail fast when MONGO_URI points nowhere, instead of mongoose's 30 s default.
    serverSelectionTimeoutMS: 10_000,
    autoIndex: false,
    autoCreate: false,
    // The driver's command events time every store operation for /metrics (no extra round trip).
    monitorCommands: true,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await stopEmbedded?.();
    throw error;
  }
  if (inProcess) useInProcessStore(connection, inProcess);
  opts.logger.info(
    { db: opts.dbName, embedded: stopEmbedded !== null, inProcessWrites: inProcess !== null },
    'database connected',
  );
  return {
    connection,
    uri,
    embedded: stopEmbedded !== null,
    access,
    inProcess,
    async close() {
      await connection.close();
      await stopEmbedded?.();
    },
  };
}

/**
 * The store refuses a socket path that is too long or that another live process serves (another
 * server on this data directory): that is the operator's to fix, so it becomes a start-up refusal.
 */
function refuse(error: unknown, dataDir: string): never {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.startsWith('embedded-mongo:')) throw error;
  const why = message.includes('another process')
    ? 'Another Aegis server (or store) is using this data directory; stop it first, or set AEGIS_DATA_DIR to another directory.'
    : 'Set AEGIS_DATA_DIR to a shorter path.';
  throw new DataDirError(
    `${message.replace(/^embedded-mongo: /, '')}\n${why} (data directory: ${dataDir})`,
    {
      cause: error,
    },
  );
}

/** `mongodb+srv://user:secret@a.example.net,b:27017/db?x=1` → `a.example.net,b:27017`. */
export function hostsOf(uri: string): string {
  const rest = uri.replace(/^mongodb(\+srv)?:\/\//, '');
  const authority = rest.split(/[/?]/, 1)[0] ?? '';
  return authority.slice(authority.lastIndexOf('@') + 1);
}
