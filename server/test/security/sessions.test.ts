/**
 * Dashboard sessions over real HTTP: the one-time login link, httpOnly SameSite=Strict cookies,
 * CSRF on cookie-authenticated writes, CORS, security headers, and login rate limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, loginSession, trpc, type Credential } from './harness';

let server: TestServer;

async function login(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true, corsOrigins: ['http://localhost:5173'] });
});

afterAll(async () => {
  await server?.close();
});

describe('dashboard sessions', () => {
  it('exchanges the printed one-time link for httpOnly SameSite=Strict cookies, once', async () => {
    const token = new URL(await server.auth.issueLoginLink()).searchParams.get('token')!;
    const res = await login({ token });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('aegis_session='))!;
    const csrf = cookies.find((c) => c.startsWith('aegis_csrf='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(csrf).not.toMatch(/HttpOnly/);
    expect(csrf).toMatch(/SameSite=Strict/);
    expect((await login({ token })).status).toBe(401);
  });

  it('refuses cookie-authenticated writes without the CSRF header, and changes nothing', async () => {
    const { session, csrf } = await loginSession(server, server.adminKey);
    const cookie = `aegis_session=${session}; aegis_csrf=${csrf}`;
    const whoami = await fetch(`${server.url}/trpc/health.whoami`, { headers: { cookie } });
    expect(whoami.status).toBe(200);

    const write = (headers: Record<string, string>) =>
      fetch(`${server.url}/trpc/keys.create`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'via-cookie', role: 'viewer', agents: null }),
      });
    expect((await write({})).status).toBe(403);
    expect((await write({ 'x-aegis-csrf': 'forged' })).status).toBe(403);
    const keys = await trpc(server.url, 'keys.list', 'query', undefined, {
      kind: 'bearer',
      key: server.adminKey,
    });
    expect(JSON.stringify(keys.body)).not.toContain('via-cookie');
    // Express matches mount paths case-insensitively: another spelling must not skip the check.
    const shouted = await fetch(`${server.url}/TRPC/keys.create`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'via-cookie', role: 'viewer', agents: null }),
    });
    expect(shouted.status).toBe(403);
    expect((await write({ 'x-aegis-csrf': csrf })).status).toBe(200);
    // REST writes never take the cookie at all.
    const rest = await fetch(`${server.url}/api/demo/seed`, {
      method: 'POST',
      headers: { cookie, 'x-aegis-csrf': csrf },
    });
    expect(rest.status).toBe(401);
  });

  it('ends the session at logout and when its key is revoked', async () => {
    const reviewer = await createKey(server, 'rev', 'reviewer');
    const first = await loginSession(server, reviewer.key);
    const cred: Credential = { kind: 'cookie', ...first };
    expect((await trpc(server.url, 'health.whoami', 'query', undefined, cred)).status).toBe(200);
    expect((await trpc(server.url, 'auth.logout', 'mutation', undefined, cred)).status).toBe(200);
    expect((await trpc(server.url, 'health.whoami', 'query', undefined, cred)).status).toBe(401);

    const second: Credential = { kind: 'cookie', ...(await loginSession(server, reviewer.key)) };
    expect((await trpc(server.url, 'health.whoami', 'query', undefined, second)).status).toBe(200);
    await trpc(
      server.url,
      'keys.revoke',
      'mutation',
      { id: reviewer.id },
      { kind: 'bearer', key: server.adminKey },
    );
    expect((await trpc(server.url, 'health.whoami', 'query', undefined, second)).status).toBe(401);
    expect((await login({ key: reviewer.key })).status).toBe(401);
  });

  it("signs out everywhere: every session of the key ends, other keys' stay (from an attack review)", async () => {
    // A session left open on another machine, or a copied cookie, could only be ended by revoking
    // the key, which is refused for the last admin key.
    const reviewer = await createKey(server, 'everywhere', 'reviewer');
    const other = await createKey(server, 'bystander', 'reviewer');
    const open = async (key: string): Promise<Credential> => ({
      kind: 'cookie',
      ...(await loginSession(server, key)),
    });
    const [here, laptop, phone, bystander] = await Promise.all([
      open(reviewer.key),
      open(reviewer.key),
      open(reviewer.key),
      open(other.key),
    ]);
    const status = async (cred: Credential) =>
      (await trpc(server.url, 'health.whoami', 'query', undefined, cred)).status;
    for (const bad of [{ everywhere: 'yes' }, { everwhere: true }]) {
      const refused = await trpc(server.url, 'auth.logout', 'mutation', bad, here);
      expect(refused.status).toBe(400);
    }
    expect(await status(here)).toBe(200);
    const out = await trpc(server.url, 'auth.logout', 'mutation', { everywhere: true }, here);
    expect(out).toMatchObject({ status: 200, body: { result: { data: { ok: true, ended: 3 } } } });
    expect(await Promise.all([here, laptop, phone].map(status))).toEqual([401, 401, 401]);
    expect(await status(bystander)).toBe(200);
    // the key still works, and the key itself can end the sessions it opened
    const again = await open(reviewer.key);
    const byKey = await trpc(
      server.url,
      'auth.logout',
      'mutation',
      { everywhere: true },
      { kind: 'bearer', key: reviewer.key },
    );
    expect(byKey).toMatchObject({ status: 200, body: { result: { data: { ended: 1 } } } });
    expect(await status(again)).toBe(401);
    // a plain logout still ends only its own session
    const [one, two] = await Promise.all([open(other.key), open(other.key)]);
    await trpc(server.url, 'auth.logout', 'mutation', undefined, one);
    expect([await status(one), await status(two), await status(bystander)]).toEqual([
      401, 200, 200,
    ]);
  });

  it('never gives agent keys a dashboard session', async () => {
    const agent = await createKey(server, 'bot', 'agent', ['a1']);
    const res = await login({ key: agent.key });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

describe('CORS and security headers', () => {
  it('refuses writes from a foreign origin and serves the allow-listed one', async () => {
    const foreign = await fetch(`${server.url}/trpc/keys.create`, {
      method: 'POST',
      headers: {
        origin: 'http://evil.example',
        authorization: `Bearer ${server.adminKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'evil', role: 'admin', agents: null }),
    });
    expect(foreign.status).toBe(403);
    const read = await fetch(`${server.url}/trpc/health.check`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await fetch(`${server.url}/trpc/keys.create`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const same = await fetch(`${server.url}/trpc/health.check`, {
      headers: { origin: server.url },
    });
    expect(same.status).toBe(200);
  });

  it('sends a strict CSP and friends, and never caches API answers', async () => {
    const page = await fetch(`${server.url}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-powered-by')).toBeNull();
    const api = await fetch(`${server.url}/api/health`);
    expect(api.headers.get('cache-control')).toBe('no-store');
  });
});

describe('login rate limit', () => {
  it('answers 429 with Retry-After after at most 10 failed attempts from one address', async () => {
    // Earlier tests in this file already failed a few logins from this address.
    let failures = 0;
    while ((await login({ key: `aegis_wrong${failures}` })).status === 401 && failures < 20)
      failures++;
    expect(failures).toBeLessThanOrEqual(10);
    const limited = await login({ key: server.adminKey });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
