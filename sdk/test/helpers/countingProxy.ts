import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Passes one request on to `target` and its answer back, streaming both ways. */
export function relay(req: http.IncomingMessage, res: http.ServerResponse, target: string): void {
  const upstream = http.request(
    new URL(req.url ?? '/', target),
    { method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

/**
 * A plain HTTP relay in front of a test server that notes the path of every request, so a test
 * can count what the SDK really sent (e.g. that local mode makes no `sdk.complete` call at all).
 * Streams both ways, so the SDK's SSE change feed works through it.
 */
export async function countingProxy(target: string) {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push((req.url ?? '').split('?')[0] ?? '');
    relay(req, res, target);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Request paths so far, e.g. `/trpc/sdk.recordBatch` or `/trpc/sdk.decide,sdk.complete`. */
    paths,
    /** How many requests called `procedure` (alone or in a tRPC batch). */
    calls: (procedure: string) =>
      paths.filter((p) =>
        p
          .replace(/^\/trpc\//, '')
          .split(',')
          .includes(procedure),
      ).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
