import { createServer, type Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './commands/dispatch.js';
import { CursorRegistry } from './cursors.js';
import { Store } from './storage/store.js';
import { reapExpired } from './ttl.js';
import { serveConnection } from './wire/connection.js';

/** Options for {@link startEmbeddedMongo}. */
export interface EmbeddedMongoOptions {
  /**
   * Data directory (created if missing), or `':memory:'` for a throwaway store.
   * @defaultValue `':memory:'`
   */
  dir?: string;
  /** @defaultValue `'127.0.0.1'` */
  host?: string;
  /** TCP port; 0 picks a free one. @defaultValue `0` */
  port?: number;
  /** How often expired TTL documents are deleted. @defaultValue `60_000` (mongod's default) */
  ttlIntervalMs?: number;
  /** Cursors idle longer than this are dropped. @defaultValue `600_000` (10 minutes, like mongod) */
  cursorTimeoutMs?: number;
}

/** A running store. */
export interface EmbeddedMongo {
  /** `mongodb://host:port/` — db-less, so pass the database via `dbName` or append it. */
  uri: string;
  host: string;
  port: number;
  /** Closes client connections, the listener and the database file. */
  close(): Promise<void>;
}

/**
 * Starts a MongoDB-wire-compatible server backed by SQLite.
 *
 * @example
 * ```ts
 * const store = await startEmbeddedMongo({ dir: './data' });
 * await mongoose.connect(store.uri, { dbName: 'app' });
 * // ...
 * await mongoose.disconnect();
 * await store.close();
 * ```
 */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const { dir = ':memory:', host = '127.0.0.1', port = 0 } = options;
  let path = ':memory:';
  if (dir !== ':memory:') {
    mkdirSync(dir, { recursive: true });
    path = join(dir, 'embedded-mongo.sqlite');
  }
  const store = new Store(path);
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const uriHost = host.includes(':') ? `[${host}]` : host;

  return {
    uri: `mongodb://${uriHost}:${actualPort}/`,
    host,
    port: actualPort,
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}
