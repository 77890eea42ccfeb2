import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AegisUnavailableError, createAegis } from '../src/index';
import { sdkFor, startTestServer } from './helpers/server';
import { relay } from './helpers/countingProxy';

/** A URL nothing listens on: a server that was started once and stopped. */
async function deadServer() {
  const server = await startTestServer({ inMemoryStore: true });
  const { url, adminKey } = server;
  await server.close();
  return { url, adminKey };
}

describe('server unreachable', () => {
  it('refuses the call (fail closed) and never runs the body', async () => {
    const dead = await deadServer();
    const aegis = sdkFor(dead);
    let ran = false;
    const handle = aegis.agent('offline-agent', { allows: ['lookup_balance'] });
    const error = await handle
      .call('lookup_balance', {}, () => (ran = true))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AegisUnavailableError);
    expect(ran).toBe(false);
    await aegis.close();
  });

  it("runs unguarded only for an agent that chose failMode: 'open'", async () => {
    const dead = await deadServer();
    const events: string[] = [];
    const aegis = createAegis({
      url: dead.url,
      apiKey: dead.adminKey,
      onError: () => undefined,
      onDecision: (e) => void events.push(e.verdict),
    });
    const open = aegis.agent('lenient', { allows: ['ping'], failMode: 'open' });
    const closed = aegis.agent('strict', { allows: ['ping'] });
    await expect(open.call('ping', {}, () => 'pong')).resolves.toBe('pong');
    await expect(closed.call('ping', {}, () => 'pong')).rejects.toBeInstanceOf(
      AegisUnavailableError,
    );
    expect(events).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    await aegis.close();
  });

  it("an answer is never 'unreachable': arguments refused as too large never run, even with failMode: 'open'", async () => {
    const server = await startTestServer({ inMemoryStore: true });
    try {
      const aegis = sdkFor({ url: server.url, adminKey: server.adminKey }, { failMode: 'open' });
      let ran = false;
      const error = await aegis
        .agent('padded', { allows: ['pay'] })
        .call('pay', { amount: 5_000, note: 'x'.repeat(70 * 1024) }, () => (ran = true))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BAD_REQUEST' });
      expect(error).not.toBeInstanceOf(AegisUnavailableError);
      expect(String((error as Error).message)).toMatch(/bytes/);
      expect(ran).toBe(false);
      await aegis.close();
    } finally {
      await server.close();
    }
  });

  it('reports a bad key as an error, not as unavailable', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    try {
      const aegis = sdkFor({ url: server.url, adminKey: 'not-a-real-key' }, { failMode: 'open' });
      let ran = false;
      const error = await aegis
        .agent('x', { allows: ['ping'] })
        .call('ping', {}, () => (ran = true))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(ran).toBe(false);
      await aegis.close();
    } finally {
      await server.close();
    }
  });
});

/**
 * A stand-in for nginx in front of a real server: answers HTML 413 for bodies over `limit` bytes
 * (nginx's client_max_body_size), and whatever `mode` says for everything else.
 */
async function frontProxy(target: string, limit: number) {
  const state = { mode: 'relay' as 'relay' | 'waf403' | 'bad-gateway' | 'json401' };
  const page = (title: string) =>
    `<html><head><title>${title}</title></head><body>nginx</body></html>`;
  const server = http.createServer((req, res) => {
    const refuse = (status: number, body: string, type = 'text/html') => {
      req.resume();
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (Number(req.headers['content-length'] ?? 0) > limit)
      return refuse(413, page('413 Request Entity Too Large'));
    if (state.mode === 'waf403') return refuse(403, page('403 Forbidden'));
    if (state.mode === 'bad-gateway') return refuse(502, page('502 Bad Gateway'));
    if (state.mode === 'json401')
      return refuse(401, '{"error":"login required"}', 'application/json');
    relay(req, res, target);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('behind a proxy that answers for Aegis (body limit, WAF, auth proxy)', () => {
  it("refuses, never runs, a call the proxy answers 413/403/401 or that cannot be encoded, even with failMode: 'open'", async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const proxy = await frontProxy(server.url, 16 * 1024);
    const aegis = sdkFor({ url: proxy.url, adminKey: server.adminKey }, { failMode: 'open' });
    try {
      const ran: string[] = [];
      const bot = aegis.agent('behind-nginx', { allows: ['lookup'], blocks: ['delete_records'] });
      const del = bot.guard(
        (q: { table: string; note: unknown }) => {
          ran.push(q.table);
          return 'deleted';
        },
        { action: 'delete_records' },
      );
      const tryDel = (note: unknown) => del({ table: 'customers', note }).catch((e: unknown) => e);
      // small: the server's BLOCK comes back through the proxy
      expect(await tryDel('x')).toMatchObject({ code: 'BLOCKED' });

      const big = await tryDel('x'.repeat(20 * 1024));
      expect(big).not.toBeInstanceOf(AegisUnavailableError);
      expect(big).toMatchObject({ code: 'BAD_REQUEST' });
      expect((big as Error).message).toMatch(
        /HTTP 413 \(text\/html\).*413 Request Entity Too Large/,
      );

      expect(await tryDel(10n)).toMatchObject({ code: 'BAD_REQUEST', message: /BigInt/ });

      proxy.state.mode = 'waf403';
      expect(await tryDel('x')).toMatchObject({ code: 'FORBIDDEN', message: /HTTP 403/ });
      proxy.state.mode = 'json401';
      expect(await tryDel('x')).toMatchObject({ code: 'UNAUTHORIZED', message: /HTTP 401/ });
      expect(ran).toEqual([]);

      // a gateway saying Aegis is down is "unreachable": this agent chose to fail open
      proxy.state.mode = 'bad-gateway';
      expect(await tryDel('x')).toBe('deleted');
      expect(ran).toEqual(['customers']);
    } finally {
      await aegis.close();
      await proxy.close();
      await server.close();
    }
  });

  it('fails over on a gateway 502 but not on a proxy 413', async () => {
    const server = await startTestServer({ inMemoryStore: true });
    const broken = await frontProxy(server.url, 16 * 1024);
    broken.state.mode = 'bad-gateway';
    const aegis = sdkFor({ url: `${broken.url},${server.url}`, adminKey: server.adminKey });
    try {
      const bot = aegis.agent('failover-502', { allows: ['lookup'] });
      await expect(bot.call('lookup', {}, () => 'ok')).resolves.toBe('ok');
    } finally {
      await aegis.close();
    }
    const limited = await frontProxy(server.url, 16 * 1024);
    const second = sdkFor({ url: `${limited.url},${server.url}`, adminKey: server.adminKey });
    try {
      let ran = false;
      const error = await second
        .agent('failover-413', { allows: ['lookup'] })
        .call('lookup', { note: 'x'.repeat(20 * 1024) }, () => (ran = true))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BAD_REQUEST', message: /HTTP 413/ });
      expect(ran).toBe(false);
    } finally {
      await second.close();
      await broken.close();
      await limited.close();
      await server.close();
    }
  });
});
