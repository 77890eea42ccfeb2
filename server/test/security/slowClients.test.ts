/**
 * Issue 12, finding 8 (slow clients): a request body that trickles in no longer holds a socket
 * forever (requestTimeout was 0) — it gets 408 once the request timeout passes — while an SSE
 * stream, whose request arrived at once, stays open past that timeout and keeps delivering.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpc } from './harness';

const TIMEOUT_MS = 1_000;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true, requestTimeoutMs: TIMEOUT_MS });
});
afterAll(() => server?.close());

describe('slow clients', () => {
  it('a POST whose body never finishes arriving gets 408 and its socket closed', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(server.port, '127.0.0.1', () => {
        sock.write(
          `POST /trpc/sdk.decide HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.adminKey}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"agent":',
        );
      });
      let got = '';
      sock.on('data', (d: Buffer) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
      setTimeout(() => reject(new Error('still open after 20 s')), 20_000).unref();
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('an SSE stream outlives the request timeout and still delivers', async () => {
    const admin = { kind: 'bearer' as const, key: server.adminKey };
    await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: 'slowbot', allows: ['ping'] },
      admin,
    );
    let received = '';
    const req = request(`${server.url}/trpc/audit.onEntry?input=${encodeURIComponent('{}')}`, {
      headers: { authorization: `Bearer ${server.adminKey}`, accept: 'text/event-stream' },
    });
    const open = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.on('data', (c: Buffer) => (received += c.toString()));
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    req.end();
    expect(await open).toBe(200);
    await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2.5));
    const decided = await trpc(
      server.url,
      'sdk.decide',
      'mutation',
      { agent: 'slowbot', action: 'ping' },
      admin,
    );
    expect(decided.status).toBe(200);
    for (let i = 0; i < 100 && !received.includes('"action":"ping"'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(received).toContain('"action":"ping"');
    req.destroy();
  });
});
