import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { ChangeStreamRegistry } from './changeStreams/registry.js';
import { execute, handleCommand } from './commands/dispatch.js';
import { DEFAULT_TRANSACTION_LIFETIME_MS, Transactions } from './commands/transactions.js';
import { CursorRegistry } from './cursors.js';
import { preparePrivateDataDir } from './dataDir.js';
import { listenOn, type ListenAddress } from './listen.js';
import { createInProcessClient, type InProcessClient, type InProcessOptions } from './inProcess.js';
import { DEFAULT_RETENTION, type OplogRetention } from './storage/oplogHistory.js';
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
  /**
   * The replica set name this store announces as the primary of a one-node replica set (what
   * change streams and retryable writes need), or `false` to behave as a standalone mongod.
   * @defaultValue `'rs0'`
   */
  replicaSet?: string | false;
  /**
   * How much change history (the oplog behind change streams) is kept; entries beyond either
   * limit are trimmed every `trimIntervalMs`.
   * @defaultValue `{ maxBytes: 256 MiB, maxAgeMs: 24 h, trimIntervalMs: 1000 }`
   */
  oplog?: Partial<OplogRetention> & { trimIntervalMs?: number };
  /**
   * A multi-document transaction still open after this many seconds is rolled back, releasing the
   * sessions waiting for it (mongod's `transactionLifetimeLimitSeconds`).
   * @defaultValue `60`
   */
  transactionLifetimeLimitSeconds?: number;
}

/** A running store. */
export interface EmbeddedMongo {
  /**
   * `mongodb://%2Fpath%2Fmongod.sock/?directConnection=true` or
   * `mongodb://host:port/?directConnection=true` (no query for a standalone) — db-less, so pass
   * the database via `dbName`. `directConnection` keeps the driver on exactly this address
   * instead of the hosts a replica set announces (drivers lowercase those, which would break a
   * socket path with capitals).
   */
  uri: string;
  /** The socket's path, when listening on one. */
  socket?: string;
  /** The TCP interface and port, when listening on TCP. */
  host?: string;
  port?: number;
  /**
   * A client for code in this same process that skips the socket and the driver (see
   * {@link InProcessClient}): the same commands, stored and answered the same way, at a fraction
   * of a round trip's CPU. Each call makes a client with its own connection id.
   */
  inProcess(options?: InProcessOptions): InProcessClient;
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
  const changeStreams = new ChangeStreamRegistry(store, options.cursorTimeoutMs);
  const replicaSet = options.replicaSet === false ? undefined : { name: options.replicaSet ?? 'rs0' };
  const retention = { ...DEFAULT_RETENTION, ...options.oplog };
  const lifetime = options.transactionLifetimeLimitSeconds;
  if (lifetime !== undefined && !(lifetime > 0 && Number.isFinite(lifetime))) {
    throw new Error(`embedded-mongo: transactionLifetimeLimitSeconds must be a positive number of seconds, got ${String(lifetime)}`);
  }
  // A standalone refuses transactions, as mongod does.
  const transactions = replicaSet ? new Transactions(store, execute, lifetime === undefined ? DEFAULT_TRANSACTION_LIFETIME_MS : lifetime * 1000) : undefined;
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;
  let listening = '';

  const server = createServer((socket) => {
    sockets.add(socket);
    const base = { store, cursors, changeStreams, replicaSet, transactions, connectionId: nextConnectionId++, address: advertisedAddress(socket, listening), rawBatches: true };
    socket.on('close', () => {
      sockets.delete(socket);
      transactions?.connectionClosed(base.connectionId);
    });
    // Malformed input only costs the offending client its connection; nothing to report.
    serveConnection(socket, (req) => handleCommand(req.command, base), () => undefined);
  });

  const timers = [
    // A failed sweep (e.g. a TTL field holding an odd value) must not take the server down; the next sweep retries.
    // Nothing writes beside an open transaction (it would become part of it).
    setInterval(() => {
      if (store.held) return;
      try {
        reapExpired(store);
      } catch {
        /* retried on the next tick */
      }
    }, options.ttlIntervalMs ?? 60_000),
    setInterval(() => {
      cursors.reap();
      changeStreams.reap();
    }, 60_000),
    // Trimming is a few point reads, then a bounded delete; sessions' retry records expire with it.
    setInterval(() => {
      if (store.held) return;
      try {
        changeStreams.catchUp();
        store.oplog.history.trim(retention);
        store.retryableWrites.expire();
      } catch {
        /* retried on the next tick */
      }
    }, options.oplog?.trimIntervalMs ?? 1000),
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
  listening = 'socket' in address ? address.socket : `${address.host.includes(':') ? `[${address.host}]` : address.host}:${bound.port ?? 0}`;

  return {
    uri: replicaSet ? `${bound.uri}?directConnection=true` : bound.uri,
    ...('socket' in address ? { socket: address.socket } : { host: address.host, port: bound.port }),
    inProcess(opts) {
      return createInProcessClient({ store, cursors, changeStreams, replicaSet, transactions, connectionId: nextConnectionId++, address: listening, rawBatches: false }, opts);
    },
    async close() {
      for (const t of timers) clearInterval(t);
      transactions?.close();
      changeStreams.close();
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

/**
 * The address a client reached us at, for hello's `me`/`hosts` (a socket's path, or the local
 * IP and port of a TCP connection): an address that client can use.
 */
function advertisedAddress(socket: Socket, fallback: string): string {
  const host = socket.localAddress;
  const port = socket.localPort;
  if (!host || !port) return fallback;
  const v4 = host.startsWith('::ffff:') ? host.slice(7) : host;
  return v4.includes(':') ? `[${v4}]:${port}` : `${v4}:${port}`;
}
