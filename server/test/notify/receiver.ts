import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real local HTTP endpoint standing in for a webhook consumer or Slack's incoming webhook: it
 * records every request and answers 500 to the first `failFirst` of them.
 */
export async function startReceiver(opts: { failFirst?: number } = {}) {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  let failures = opts.failFirst ?? 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      for (const wake of waiters.splice(0)) wake();
      res.statusCode = failures-- > 0 ? 500 : 200;
      res.end(res.statusCode === 200 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** Resolves once `count` requests have arrived (or rejects after `ms`). */
    async waitFor(count: number, ms = 30_000): Promise<Received[]> {
      const deadline = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} requests, got ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** The link's path on the server under test (links name AEGIS_PUBLIC_URL, which has no port in tests). */
export function onServer(serverUrl: string, link: string): string {
  const u = new URL(link);
  return `${serverUrl}${u.pathname}${u.search}`;
}
