/**
 * The per-key decide rate limit (429 + Retry-After over tRPC and REST), and that no secret — API
 * key, login token, session cookie — ever reaches the logs, even at trace level.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server';
import type { TestServer } from '../helpers/testServer';
import { createKey, loginSession, rest, trpc, type Credential } from './harness';

let server: RunningServer;
let dataDir: string;
let adminKey: string;
let logs = '';
let printed = '';

beforeAll(async () => {
  // Read by createAuthService; vitest runs each test file in its own process. One decide per 20 s
  // (burst 1), so the test cannot outlast a refill however slow the machine.
  process.env.AEGIS_RATE_DECIDE = '0.05';
  dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-ratelimit-'));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString('utf8');
      done();
    },
  });
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  // The login link goes to stdout, never to the log: capture both to tell them apart.
  process.stdout.write = (text: string | Uint8Array) => {
    printed += String(text);
    return true;
  };
  try {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      inMemoryStore: true,
      dbName: 'aegis',
      logger: pino({ level: 'trace' }, sink),
      approvalTtlMs: 3600_000,
      corsOrigins: [],
      publicUrl: 'http://127.0.0.1',
    });
    await server.auth.bootstrap();
  } finally {
    process.stdout.write = stdoutWrite;
    delete process.env.AEGIS_RATE_DECIDE;
  }
  adminKey = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
});

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('decide rate limit', () => {
  it('answers 429 with Retry-After once a key exceeds its rate, per key, over tRPC and REST', async () => {
    const admin: Credential = { kind: 'bearer', key: adminKey };
    await trpc(
      server.url,
      'sdk.registerAgent',
      'mutation',
      { name: 'busy', allows: ['ping'] },
      admin,
    );
    const s = { url: server.url, adminKey } as TestServer;
    const busy: Credential = {
      kind: 'bearer',
      key: (await createKey(s, 'busy-bot', 'agent', ['busy'])).key,
    };
    const other: Credential = {
      kind: 'basic',
      key: (await createKey(s, 'other-bot', 'agent', ['busy'])).key,
    };

    expect(
      (await trpc(server.url, 'sdk.decide', 'mutation', { agent: 'busy', action: 'ping' }, busy))
        .status,
    ).toBe(200);
    const limited = await trpc(
      server.url,
      'sdk.decide',
      'mutation',
      { agent: 'busy', action: 'ping' },
      busy,
    );
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((limited.body as { error: { data: { code: string } } }).error.data.code).toBe(
      'TOO_MANY_REQUESTS',
    );

    const viaRest = await rest(
      server.url,
      'POST',
      '/sdk/decide',
      { agent_name: 'busy', action: 'ping' },
      busy,
    );
    expect(viaRest.status).toBe(429);
    expect(viaRest.headers.get('retry-after')).not.toBeNull();

    // Another key has its own bucket.
    expect(
      (await rest(server.url, 'POST', '/sdk/decide', { agent_name: 'busy', action: 'ping' }, other))
        .status,
    ).toBe(200);
  });
});

describe('secrets in logs', () => {
  it('keeps keys, login tokens and session cookies out of the log', async () => {
    const link = printed.match(/http:\/\/\S+\/login\?token=(\S+)/);
    expect(link, 'the login link is printed').not.toBeNull();
    const token = link![1]!;
    const s = { url: server.url, adminKey } as TestServer;
    const created = await createKey(s, 'secret-holder', 'reviewer');
    const session = await loginSession(s, created.key);
    await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    await fetch(`${server.url}/trpc/auth.login?token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"key":"aegis_bogus"}',
    });
    await trpc(server.url, 'health.whoami', 'query', undefined, { kind: 'cookie', ...session });
    await rest(server.url, 'GET', '/stats', undefined, { kind: 'basic', key: created.key });

    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [adminKey, created.key, token, session.session, session.csrf]) {
      expect(logs.includes(secret), `a secret (${secret.slice(0, 8)}…) reached the log`).toBe(
        false,
      );
    }
    expect(logs).not.toMatch(/aegis_[A-Za-z0-9_-]{32}/);
  });
});
