import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';

/**
 * `POST /trpc/sdk.decide` has a path that skips Express (server/src/http/fastPath.ts). The same
 * request with a same-origin `Origin` header goes through Express and tRPC's adapter instead, so
 * every case here is sent both ways and must get the same status, body and headers.
 */
let server: TestServer;
let agentKey: string;
let otherKey: string;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: 'FastBot', allows: ['read'], blocks: ['drop'] });
  await admin.sdk.registerAgent.mutate({ name: 'OtherBot', allows: ['read'] });
  agentKey = (await admin.keys.create.mutate({ name: 'fast', role: 'agent', agents: ['FastBot'] }))
    .key;
  otherKey = (await admin.keys.create.mutate({ name: 'o', role: 'agent', agents: ['OtherBot'] }))
    .key;
});
afterAll(() => server.close());

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** Headers that differ per response by nature, or are framing (length vs chunked), not meaning. */
const VOLATILE = new Set([
  'date',
  'x-request-id',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
]);

async function send(
  body: string,
  opts: {
    key?: string | null;
    viaExpress: boolean;
    headers?: Record<string, string>;
    path?: string;
    method?: 'GET' | 'POST';
  },
): Promise<Answer> {
  const method = opts.method ?? 'POST';
  const headers: Record<string, string> = {
    ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    ...opts.headers,
  };
  const key = opts.key === undefined ? agentKey : opts.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (opts.viaExpress) headers.origin = server.url;
  const url = `${server.url}/trpc/${opts.path ?? 'sdk.decide'}`;
  const res = await fetch(url, { method, headers, body: method === 'POST' ? body : undefined });
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) out[name] = value;
  });
  return { status: res.status, body: await res.json(), headers: out };
}

/** The ids and messages that depend on the moment, not on the path taken. */
function comparable(answer: Answer): Answer {
  const text = JSON.stringify(answer.body)
    .replace(/"(auditId|approvalId)":\d+/g, '"$1":0')
    .replace(/"callId":"[^"]*"/g, '"callId":""')
    .replace(/"message":"Unexpected token[^"]*"/g, '"message":"<json>"');
  return { ...answer, body: JSON.parse(text) as unknown };
}

async function bothWays(
  body: string,
  opts: {
    key?: string | null;
    headers?: Record<string, string>;
    path?: string;
    method?: 'GET' | 'POST';
  } = {},
): Promise<Answer> {
  const before = server.fastPath.handled;
  const fast = await send(body, { ...opts, viaExpress: false });
  expect(server.fastPath.handled, 'the plain request took the fast path').toBe(before + 1);
  const full = await send(body, { ...opts, viaExpress: true });
  expect(server.fastPath.handled, 'the Origin request went through Express').toBe(before + 1);
  expect(comparable(fast)).toEqual(comparable(full));
  return fast;
}

describe('SDK fast path', () => {
  it('answers an allowed call exactly like the full stack, and records it', async () => {
    const answer = await bothWays(JSON.stringify({ agent: 'FastBot', action: 'read' }), {
      key: server.adminKey,
    });
    expect(answer.status).toBe(200);
    const data = (answer.body as { result: { data: { verdict: string; auditId: number } } }).result
      .data;
    expect(data.verdict).toBe('ALLOWED');
    const admin = trpcClient(server.url, server.adminKey);
    const { entries } = await admin.audit.list.query({ agent: 'FastBot' });
    expect(entries.some((e) => e.id === data.auditId && e.status === 'ALLOWED')).toBe(true);
    // helmet's headers and no caching, as on every API answer
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('blocks, and refuses bad input, strangers and other agents the same way', async () => {
    const admin = { key: server.adminKey };
    const blocked = await bothWays(JSON.stringify({ agent: 'FastBot', action: 'drop' }), admin);
    expect(blocked.body).toMatchObject({ result: { data: { verdict: 'BLOCKED' } } });

    const cases: Array<[string, { key?: string | null }, number]> = [
      [JSON.stringify({ agent: 'FastBot' }), admin, 400],
      [JSON.stringify({ agent: 'FastBot', action: 'read', args: 'nope' }), admin, 400],
      ['{not json', admin, 400],
      ['', admin, 400],
      [JSON.stringify({ agent: 'Ghost', action: 'read' }), admin, 404],
      [JSON.stringify({ agent: 'FastBot', action: 'read' }), { key: 'not-a-key' }, 401],
      [JSON.stringify({ agent: 'FastBot', action: 'read' }), { key: otherKey }, 403],
      [`${'['.repeat(200)}${']'.repeat(200)}`, admin, 400],
    ];
    for (const [body, opts, status] of cases) {
      const answer = await bothWays(body, opts);
      expect(answer.status, body.slice(0, 60)).toBe(status);
      expect(answer.body).toMatchObject({ error: { data: { httpStatus: status } } });
    }
  });

  it('applies the per-key rate limit with Retry-After', async () => {
    const normal = server;
    // One decide per 20 s per key (burst 1), read at start-up: the second call is refused.
    process.env.AEGIS_RATE_DECIDE = '0.05';
    try {
      server = await startTestServer({ inMemoryStore: true });
    } finally {
      delete process.env.AEGIS_RATE_DECIDE;
    }
    try {
      await trpcClient(server.url, server.adminKey).sdk.registerAgent.mutate({
        name: 'FastBot',
        allows: ['read'],
      });
      const body = JSON.stringify({ agent: 'FastBot', action: 'read' });
      const key = server.adminKey;
      expect((await send(body, { key, viaExpress: false })).status).toBe(200);
      const refused = await bothWays(body, { key });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await server.close();
      server = normal;
    }
  });

  it('answers outcome reports and batches of hot calls like the full stack', async () => {
    const key = server.adminKey;
    const decided = await send(JSON.stringify({ agent: 'FastBot', action: 'read' }), {
      key,
      viaExpress: false,
    });
    const { callId } = (decided.body as { result: { data: { callId: string } } }).result.data;
    const report = JSON.stringify({ callId, outcome: 'ok', durationMs: 3 });
    const first = await send(report, { key, viaExpress: false, path: 'sdk.complete' });
    expect(first.status).toBe(200);
    // the second report of the same call is refused, both ways alike
    const again = await bothWays(report, { key, path: 'sdk.complete' });
    expect(again.status).toBe(409);

    const path = 'sdk.decide,sdk.decide,sdk.complete?batch=1';
    const mixed = await bothWays(
      JSON.stringify({
        0: { agent: 'FastBot', action: 'read' },
        1: { agent: 'FastBot', action: 'drop' },
        2: { callId: 'no-such-call', outcome: 'ok', durationMs: 1 },
      }),
      { key, path },
    );
    expect(mixed.status).toBe(207);
    expect(mixed.body).toMatchObject([
      { result: { data: { verdict: 'ALLOWED' } } },
      { result: { data: { verdict: 'BLOCKED' } } },
      { error: { data: { httpStatus: 404, path: 'sdk.complete' } } },
    ]);
    const allGood = await bothWays(JSON.stringify({ 0: { agent: 'FastBot', action: 'read' } }), {
      key,
      path: 'sdk.decide?batch=1',
    });
    expect(allGood.status).toBe(200);
    for (const body of ['[1,2]', '"x"', '{oops', '{}']) {
      const answer = await bothWays(body, { key, path });
      expect(answer.status, body).toBe(400);
    }
    const audit = await trpcClient(server.url, key).audit.list.query({ agent: 'FastBot' });
    const outcome = audit.entries.find((e) => e.callId === callId)?.outcome;
    expect(outcome).toBe('ok');
  });

  it('answers the other mutations with a key like the full stack', async () => {
    const admin = { key: server.adminKey };
    const register = JSON.stringify({ name: 'FastBot', allows: ['read'], blocks: ['drop'] });
    expect((await bothWays(register, { ...admin, path: 'sdk.registerAgent' })).status).toBe(200);
    const review = await send(JSON.stringify({ agent: 'FastBot', action: 'wire' }), {
      ...admin,
      viaExpress: false,
    });
    const { approvalId } = (review.body as { result: { data: { approvalId: number } } }).result
      .data;
    const decide = JSON.stringify({ id: approvalId, decision: 'APPROVED' });
    const first = await send(decide, { ...admin, viaExpress: false, path: 'approvals.decide' });
    expect(first.status).toBe(200);
    // decided already: the same conflict both ways
    expect((await bothWays(decide, { ...admin, path: 'approvals.decide' })).status).toBe(409);
    // an agent key may pause its own agent (it only takes power away) but never revive it
    const revive = JSON.stringify({ name: 'FastBot', status: 'ACTIVE' });
    expect((await bothWays(revive, { key: agentKey, path: 'agents.setStatus' })).status).toBe(403);
    const pause = JSON.stringify({ name: 'FastBot', status: 'PAUSED' });
    expect((await bothWays(pause, { key: agentKey, path: 'agents.setStatus' })).status).toBe(200);
    expect((await bothWays(revive, { ...admin, path: 'agents.setStatus' })).status).toBe(200);
    const bad = JSON.stringify({ name: 'FastBot', status: 'SLEEPING' });
    expect((await bothWays(bad, { ...admin, path: 'agents.setStatus' })).status).toBe(400);
  });

  it('answers queries (GET) like the full stack, for keys and dashboard sessions', async () => {
    const get = (path: string, key: string | null, headers: Record<string, string> = {}) =>
      bothWays('', { key, path, headers, method: 'GET' });
    const input = (value: unknown) => `input=${encodeURIComponent(JSON.stringify(value))}`;
    const admin = server.adminKey;

    const list = await get(`audit.list?${input({ agent: 'FastBot', limit: 5 })}`, admin);
    expect(list.status).toBe(200);
    expect(
      (list.body as { result: { data: { entries: unknown[] } } }).result.data.entries,
    ).toHaveLength(5);
    const batch = await get(`agents.list,stats.get?batch=1`, admin);
    expect(batch.body, JSON.stringify(batch.body).slice(0, 300)).toMatchObject([
      { result: {} },
      { result: {} },
    ]);
    expect(batch.status).toBe(200);
    expect((await get('health.whoami', agentKey)).status).toBe(200);

    const refused: Array<[string, string | null, number]> = [
      [`audit.list?${input({ limit: 'lots' })}`, admin, 400],
      [`audit.list?input=%7Bnot-json`, admin, 400],
      ['audit.list', null, 401],
      ['audit.list', 'not-a-key', 401],
      ['keys.list', agentKey, 403],
      [`agents.byName?${input({ name: 'Ghost' })}`, admin, 404],
      [`health.whoami,keys.list?batch=1`, agentKey, 207],
    ];
    for (const [path, key, status] of refused) {
      expect((await get(path, key)).status, path).toBe(status);
    }

    // a dashboard session (cookie, no Authorization): reads need no CSRF token
    const login = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: admin }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(cookie).toContain('aegis_session=');
    const viaSession = await get(`audit.list?${input({ limit: 1 })}`, null, { cookie });
    expect(viaSession.status).toBe(200);
  });

  it('leaves every other request shape to Express', async () => {
    const before = server.fastPath.handled;
    const body = JSON.stringify({ agent: 'FastBot', action: 'read' });
    const key = server.adminKey;
    // a batch with any procedure outside the hot set goes the full way
    // auth.* sets and clears cookies through Express, even in a batch with a key
    const batched = await fetch(`${server.url}/trpc/sdk.decide,auth.logout?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ 0: JSON.parse(body) as unknown }),
    });
    expect(batched.status).toBe(200);
    // no credential header: a cookie session's writes need CSRF checks, which live in Express
    const anonymous = await send(body, { key: null, viaExpress: false });
    expect(anonymous.status).toBe(401);
    // a GET of a mutation is not a read this path answers (nor of a subscription: not a query)
    const getMutation = await send('', {
      key,
      viaExpress: false,
      path: 'sdk.decide',
      method: 'GET',
    });
    expect(getMutation.status).toBe(405);
    const foreign = await send(body, {
      key,
      viaExpress: false,
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(server.fastPath.handled).toBe(before);
  });
});
