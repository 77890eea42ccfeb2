import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { runCommand } from './commands/dispatch.js';
import { CursorRegistry } from './cursors.js';
import { preparePrivateDataDir } from './dataDir.js';
import { listenOn, type ListenAddress } from './listen.js';
import { Store } from './storage/store.js';
import { reapExpired } from './ttl.js';
import { serveConnection } from './wire/connection.js';

/** Options for {@link startEmbeddedMongo}. */
export interface EmbeddedMongoOptions {
  /**
   * Data directory (created 0700 if missing; the files in it are 0600), or `':memory:'` for a
   * throwaway store.
   * @defaultValue `':memory:'`
   */
  dir?: string;
  /**
   * Listen on this Unix domain socket (the path must end in `.sock`; the file is made 0600, so
   * only this user can connect).
   * @defaultValue `<dir>/mongod.sock` when `dir` is on disk and no `port` is given
   */
  socket?: string;
  /** TCP interface; any local user can connect to a TCP port. @defaultValue `'127.0.0.1'` */
  host?: string;
  /** Listen on this TCP port instead of a socket; 0 picks a free one. The default for `':memory:'`. */
  port?: number;
  /** How often expired TTL documents are deleted. @defaultValue `60_000` (mongod's default) */
  ttlIntervalMs?: number;
  /** Cursors idle longer than this are dropped. @defaultValue `600_000` (10 minutes, like mongod) */
  cursorTimeoutMs?: number;
}

/** A running store. */
export interface EmbeddedMongo {
  /**
   * `mongodb://%2Fpath%2Fmongod.sock/` or `mongodb://host:port/` — db-less, so pass the database
   * via `dbName` or append it.
   */
  uri: string;
  /** The socket's path, when listening on one. */
  socket?: string;
  /** The TCP interface and port, when listening on TCP. */
  host?: string;
  port?: number;
  /** Closes client connections, the listener and the database file. */
  close(): Promise<void>;
}

/**
 * Starts a MongoDB-wire-compatible server backed by SQLite.
 *
 * @example
 * ```ts
 * const store = await startEmbeddedMongo({ dir: './data' }); // listens on ./data/mongod.sock
 * await mongoose.connect(store.uri, { dbName: 'app' });
 * // ...
 * await mongoose.disconnect();
 * await store.close();
 * ```
 */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const { dir = ':memory:' } = options;
  const address = listenAddress(options);
  const store = new Store(dir === ':memory:' ? ':memory:' : preparePrivateDataDir(dir));
  const cursors = new CursorRegistry(options.cursorTimeoutMs);
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const connectionId = nextConnectionId++;
    // Malformed input only costs the offending client its connection; nothing to report.
    serveConnection(socket, (req) => runCommand(req.command, { store, cursors, connectionId }), () => undefined);
  });

  const timers = [
    // A failed sweep (e.g. a TTL field holding an odd value) must not take the server down; the next sweep retries.
    setInterval(() => {
      try {
        reapExpired(store);
      } catch {
        /* retried on the next tick */
      }
    }, options.ttlIntervalMs ?? 60_000),
    setInterval(() => cursors.reap(), 60_000),
  ];
  for (const t of timers) t.unref();

  let bound: { uri: string; port?: number };
  try {
    bound = await listenOn(server, address);
  } catch (error) {
    for (const t of timers) clearInterval(t);
    store.close();
    throw error;
  }

  return {
    uri: bound.uri,
    ...('socket' in address ? { socket: address.socket } : { host: address.host, port: bound.port }),
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

/** A socket inside an on-disk data directory unless a TCP port (or another socket) is asked for. */
function listenAddress(options: EmbeddedMongoOptions): ListenAddress {
  const { dir = ':memory:', socket, host = '127.0.0.1', port } = options;
  if (socket !== undefined && port !== undefined) {
    throw new Error('embedded-mongo: give either a socket or a port, not both');
  }
  if (socket !== undefined) return { socket };
  if (port === undefined && dir !== ':memory:') return { socket: join(dir, 'mongod.sock') };
  return { host, port: port ?? 0 };
}
