import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFetch, HttpAnswerError, RequestTimeoutError } from '../src/nodeFetch';

/** A real server: echoes JSON, or never answers on /hang. */
let server: http.Server;
let base: string;
const connections: number[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.statusCode = req.url === '/teapot' ? 418 : req.url === '/nginx413' ? 413 : 200;
      res.setHeader('content-type', req.url === '/nginx413' ? 'text/html' : 'application/json');
      const echo = () =>
        JSON.stringify({
          method: req.method,
          auth: req.headers.authorization ?? null,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      const bodies: Record<string, string> = {
        '/teapot': JSON.stringify({ error: { code: -1, message: 'no' } }),
        '/nginx413': '<html><head><title>413 Request Entity Too Large</title></head></html>',
        '/garbage': '{not json',
      };
      res.end(bodies[req.url ?? ''] ?? echo());
    });
  });
  server.on('connection', () => connections.push(Date.now()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('createNodeFetch', () => {
  it('sends method, headers and body, and reuses one connection for sequential calls', async () => {
    const fetch = createNodeFetch({ timeoutMs: 5_000 });
    const before = connections.length;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}/echo`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ i }),
      });
      expect(res.ok).toBe(true);
      expect(await res.json()).toEqual({
        method: 'POST',
        auth: 'Bearer k',
        body: JSON.stringify({ i }),
      });
    }
    expect(connections.length - before).toBe(1);
  });

  it('closes its kept-alive connections on close()', async () => {
    const fetch = createNodeFetch({ timeoutMs: 5_000 });
    const closed = new Promise<void>((resolve) => {
      server.once('connection', (socket) => socket.once('close', () => resolve()));
    });
    expect((await fetch(`${base}/echo`)).ok).toBe(true);
    fetch.close();
    // well before the server's own 5 s keep-alive timeout would close it
    const late = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('connection still open after 2 s')), 2_000).unref(),
    );
    await Promise.race([closed, late]);
  });

  it("reports a tRPC error's status; rejects an answer that is not Aegis's with what came back", async () => {
    const fetch = createNodeFetch({ timeoutMs: 5_000 });
    const teapot = await fetch(`${base}/teapot`, { headers: [['x-a', '1']] });
    expect([teapot.ok, teapot.status]).toEqual([false, 418]);
    await expect(fetch(`${base}/garbage`)).rejects.toBeInstanceOf(HttpAnswerError);
    const nginx = await fetch(`${base}/nginx413`).catch((e: unknown) => e);
    expect(nginx).toBeInstanceOf(HttpAnswerError);
    expect(nginx).toMatchObject({
      status: 413,
      message:
        'HTTP 413 (text/html) that is not from Aegis came back: "413 Request Entity Too Large"',
    });
  });

  it('gives up after the deadline, on abort, and when nothing listens', async () => {
    const fetch = createNodeFetch({ timeoutMs: 100 });
    await expect(fetch(`${base}/hang`)).rejects.toBeInstanceOf(RequestTimeoutError);
    const controller = new AbortController();
    const pending = createNodeFetch({ timeoutMs: 60_000 })(`${base}/hang`, {
      signal: controller.signal,
    });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await expect(fetch('ftp://127.0.0.1/')).rejects.toThrow(/unsupported protocol/);
  });
});
