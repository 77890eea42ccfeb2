import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AegisApp, type CreateAppOptions } from './app';

const STOP_GRACE_MS = 5_000;
/** A request (headers and body) must arrive within this, or it gets 408 (slow-body clients). */
export const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 20_000;

export interface RunningServer extends AegisApp {
  http: Server;
  /** http://host:port */
  url: string;
  port: number;
  /** Graceful: stop accepting, end open streams (SSE), then close the database and the store. */
  stop(): Promise<void>;
}

/** createApp + listen. `port: 0` picks a free port (tests). */
export async function startServer(
  opts: CreateAppOptions & { host: string; port: number; requestTimeoutMs?: number },
): Promise<RunningServer> {
  const requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const aegis = await createApp(opts);
  const http = await new Promise<Server>((resolve, reject) => {
    // Timeouts are checked this often (Node's default, 30 s, would let a slow body live twice as long).
    const server = createServer(
      { connectionsCheckingInterval: Math.min(1_000, requestTimeout) },
      aegis.handler,
    );
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve(server));
  }).catch(async (error: unknown) => {
    await aegis.close();
    throw error;
  });
  // A request that trickles in (a slow-body POST holding a socket and a parser) is cut with 408.
  // Node's requestTimeout covers receiving the request only, not the response, so SSE streams
  // that stay open for hours are unaffected (test/security/slowClients.test.ts shows both).
  http.requestTimeout = requestTimeout;
  http.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, requestTimeout);
  // Idle keep-alive connections live a minute (Node's default is 5 s). A client reuses an idle
  // socket until shortly before the server's advertised timeout; on a starved machine that margin
  // is lost and a request written as the server closes the socket fails with ECONNRESET. A minute
  // also outlasts load balancers' usual 60 s idle timeout. Idle sockets cost no parser; slow
  // requests are still cut by the timeouts above.
  http.keepAliveTimeout = 65_000;
  // Track responses in flight so a stop lets ordinary requests finish; SSE streams never finish
  // on their own, so they are recognised by their content type and cut instead.
  const open = new Set<ServerResponse>();
  http.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.once('close', () => open.delete(res));
  });
  const busy = () =>
    [...open].some(
      (res) => !String(res.getHeader('content-type') ?? '').startsWith('text/event-stream'),
    );
  const { port } = http.address() as AddressInfo;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let stopping: Promise<void> | null = null;
  return {
    ...aegis,
    http,
    port,
    url: `http://${hostForUrl}:${port}`,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        const deadline = Date.now() + STOP_GRACE_MS;
        while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        // Open subscriptions never finish on their own: cutting their sockets aborts the streams.
        http.closeAllConnections();
        await closed;
        await aegis.close();
      })();
      return stopping;
    },
  };
}
