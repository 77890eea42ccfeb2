/**
 * Issue 12 (streams and slow clients): X-Forwarded-For names the client for the login limiter
 * only when AEGIS_TRUST_PROXY says which proxy may set it. By default a forged header buys no
 * fresh allowance; behind a configured proxy each client address has its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/env';
import { startTestServer, type TestServer } from '../helpers/testServer';

const LOGINS_PER_MIN = 3;
let plain: TestServer;
let proxied: TestServer;

beforeAll(async () => {
  // createApp reads the rate limits from the environment when it builds the limiters.
  process.env.AEGIS_RATE_LOGIN = String(LOGINS_PER_MIN);
  try {
    plain = await startTestServer({ inMemoryStore: true });
    proxied = await startTestServer({ inMemoryStore: true, trustProxy: ['loopback'] });
  } finally {
    delete process.env.AEGIS_RATE_LOGIN;
  }
});
afterAll(async () => {
  await plain?.close();
  await proxied?.close();
});

async function badLogin(server: TestServer, forwardedFor: string): Promise<number> {
  const res = await fetch(`${server.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ key: 'aegis_wrong' }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('AEGIS_TRUST_PROXY', () => {
  it('by default, a forged X-Forwarded-For does not dodge the login limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LOGINS_PER_MIN + 2; i++)
      statuses.push(await badLogin(plain, `203.0.113.${i + 1}`));
    expect(statuses.slice(0, LOGINS_PER_MIN)).toEqual(Array(LOGINS_PER_MIN).fill(401));
    expect(statuses.slice(LOGINS_PER_MIN)).toEqual([429, 429]);
  });

  it('behind a trusted proxy, each forwarded client address has its own allowance', async () => {
    for (let i = 0; i < LOGINS_PER_MIN; i++)
      expect(await badLogin(proxied, '198.51.100.7')).toBe(401);
    expect(await badLogin(proxied, '198.51.100.7')).toBe(429);
    expect(await badLogin(proxied, '198.51.100.8')).toBe(401);
  });

  it('is validated at start-up: addresses, subnets, hop counts; never "true"', () => {
    expect(loadEnv({}).AEGIS_TRUST_PROXY).toBe(false);
    expect(loadEnv({ AEGIS_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).AEGIS_TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(loadEnv({ AEGIS_TRUST_PROXY: '1' }).AEGIS_TRUST_PROXY).toBe(1);
    for (const bad of ['true', 'proxy.example.com', '10.0.0.0/33'])
      expect(() => loadEnv({ AEGIS_TRUST_PROXY: bad }), bad).toThrow(/AEGIS_TRUST_PROXY/);
  });
});
