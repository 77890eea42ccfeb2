import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/testServer';
import { trpcClient } from './helpers/trpcClient';

/**
 * The seed SDK's three REST requests (agent status, policy rule, log) have a path that skips
 * Express (server/src/http/restFastPath.ts). The same request with a same-origin `Origin` header
 * goes through Express and the REST router instead, so every case here is sent both ways and
 * must get the same status, body and headers.
 */
let server: TestServer;
let agentKey: string;
let otherKey: string;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({ name: 'RestBot', allows: ['read'], blocks: ['drop'] });
  await admin.sdk.registerAgent.mutate({ name: 'OtherBot', allows: ['read'] });
  await admin.sdk.registerAgent.mutate({ name: 'PausedBot', allows: ['read'] });
  await admin.agents.setStatus.mutate({ name: 'PausedBot', status: 'PAUSED' });
  agentKey = (await admin.keys.create.mutate({ name: 'rest', role: 'agent', agents: ['RestBot'] }))
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

/** Headers that differ per response by nature, or are framing, not meaning. */
const VOLATILE = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

interface SendOpts {
  key?: string | null;
  authorization?: string;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST' | 'HEAD';
  body?: string | Uint8Array;
}

async function send(path: string, opts: SendOpts & { viaExpress: boolean }): Promise<Answer> {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {
    ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    ...opts.headers,
  };
  const key = opts.key === undefined ? agentKey : opts.key;
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  else if (key !== null) headers.authorization = `Bearer ${key}`;
  if (opts.viaExpress) headers.origin = server.url;
  const res = await fetch(`${server.url}${path}`, { method, headers, body: opts.body });
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) out[name] = value;
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // compared as text
  }
  return { status: res.status, body, headers: out };
}

/** Ids that depend on the moment, not on the path taken. */
function comparable(answer: Answer): Answer {
  const text = JSON.stringify(answer.body).replace(/"id":\d+/g, '"id":0');
  // the log's answer carries a new id: its length (and so content-length) may differ by a digit
  const headers = { ...answer.headers };
  if (JSON.stringify(answer.body) !== text) delete headers['content-length'];
  return { ...answer, body: JSON.parse(text) as unknown, headers };
}

/** Sends the request the plain way (fast path) and with an Origin (Express), and compares. */
async function bothWays(path: string, opts: SendOpts = {}, fast = true): Promise<Answer> {
  const before = server.restFastPath.handled;
  const plain = await send(path, { ...opts, viaExpress: false });
  expect(server.restFastPath.handled, `${path} took the fast path: ${fast}`).toBe(
    before + (fast ? 1 : 0),
  );
  const full = await send(path, { ...opts, viaExpress: true });
  expect(server.restFastPath.handled).toBe(before + (fast ? 1 : 0));
  expect(comparable(plain), `${opts.method ?? ''} ${path}`).toEqual(comparable(full));
  return plain;
}

const log = (body: unknown) => ({ body: JSON.stringify(body) });

describe('REST fast path (the seed SDK protocol)', () => {
  it('answers agent status and policy reads like the full stack', async () => {
    const status = await bothWays('/api/sdk/agent-status/RestBot');
    expect(status).toMatchObject({ status: 200, body: { status: 'ACTIVE' } });
    expect(status.headers['x-content-type-options']).toBe('nosniff');
    expect(status.headers['cache-control']).toBe('no-store');
    expect(status.headers['content-security-policy']).toContain("default-src 'self'");
    expect(status.headers['content-type']).toBe('application/json');
    expect((await bothWays('/api/sdk/policy/RestBot/read')).body).toEqual({ rule_type: 'ALLOW' });
    expect((await bothWays('/api/sdk/policy/RestBot/drop')).body).toEqual({ rule_type: 'BLOCK' });
    expect((await bothWays('/api/sdk/policy/RestBot/other')).body).toEqual({ rule_type: null });
    const admin = { key: server.adminKey };
    expect((await bothWays('/api/sdk/agent-status/Nobody', admin)).body).toEqual({ status: null });
    expect((await bothWays('/api/sdk/policy/Nobody/read', admin)).body).toEqual({
      rule_type: null,
    });
    expect((await bothWays('/api/sdk/agent-status/PausedBot', admin)).body).toEqual({
      status: 'PAUSED',
    });
  });

  it('answers HEAD on the reads as GET without a body, the same both ways', async () => {
    const cases: Array<[string, SendOpts]> = [
      ['/api/sdk/agent-status/RestBot', {}],
      ['/api/sdk/policy/RestBot/drop', {}],
      ['/api/sdk/agent-status/OtherBot', {}],
      ['/api/sdk/policy/RestBot/read', { key: 'wrong' }],
      ['/api/sdk/agent-status/RestBot', { key: null }],
    ];
    for (const [path, opts] of cases) {
      // no Authorization header: Express both ways
      const head = await bothWays(path, { ...opts, method: 'HEAD' }, opts.key !== null);
      const get = await send(path, { ...opts, viaExpress: false });
      expect(head.body, `HEAD ${path}`).toBe('');
      expect(get.body).not.toBe('');
      // Framing aside (a GET error answer may be chunked), the same status and headers; HEAD's
      // length is that of GET's body.
      const framed = ({ headers, status }: Answer) => {
        const { 'content-length': _length, 'transfer-encoding': _chunked, ...rest } = headers;
        return { status, headers: rest };
      };
      expect(framed(head), `HEAD ${path}`).toEqual(framed(get));
      expect(Number(head.headers['content-length'])).toBe(
        Buffer.byteLength(JSON.stringify(get.body)),
      );
    }
  });

  it('refuses hostile reads the same way', async () => {
    const long = 'x'.repeat(5000);
    const cases: Array<[string, SendOpts]> = [
      ['/api/sdk/agent-status/OtherBot', {}],
      ['/api/sdk/policy/OtherBot/read', {}],
      ['/api/sdk/agent-status/RestBot', { key: otherKey }],
      ['/api/sdk/agent-status/RestBot', { key: 'aegis_nope' }],
      ['/api/sdk/agent-status/RestBot', { authorization: 'Basic Zm9vOmJhcg==' }],
      ['/api/sdk/agent-status/RestBot', { authorization: 'Bearer' }],
      ['/api/sdk/policy/RestBot/read', { authorization: 'Token abc' }],
      [`/api/sdk/agent-status/${long}`, {}],
      [`/api/sdk/policy/RestBot/${long}`, {}],
      [`/api/sdk/policy/${long}/read`, { key: server.adminKey }],
      ['/api/sdk/agent-status/-bad-', { key: server.adminKey }],
      ['/api/sdk/agent-status/PausedBot', {}],
    ];
    for (const [path, opts] of cases) {
      const answer = await bothWays(path, opts);
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.body, path).toHaveProperty('detail');
    }
    // odd but valid names: whatever the answer, the same
    for (const path of [
      '/api/sdk/policy/RestBot/..x',
      '/api/sdk/policy/RestBot/~',
      '/api/sdk/agent-status/a.b',
    ]) {
      await bothWays(path, { key: server.adminKey });
    }
  });

  it('leaves other shapes of the reads to Express', async () => {
    const cases: Array<[string, SendOpts]> = [
      ['/api/sdk/agent-status/RestBot', { key: null }],
      ['/api/sdk/agent-status/RestBot', { authorization: '  ' }],
      ['/api/sdk/agent-status/Rest%42ot', {}],
      ['/api/sdk/agent-status/a%2Fb', {}],
      ['/api/sdk/agent-status/RestBot?x=1', {}],
      ['/api/sdk/agent-status/RestBot/', {}],
      ['/api/sdk/agent-status/..', {}],
      ['/api/sdk/agent-status/RestBot/extra', {}],
      ['/api/sdk/policy/RestBot', {}],
      ['/API/sdk/agent-status/RestBot', {}],
      ['/api/sdk/agent-status/RestBot', { headers: { 'if-none-match': 'W/"x"' } }],
      ['/api/sdk/agent-status/RestBot', { method: 'POST', body: '{}' }],
      ['/api/sdk/log', {}],
    ];
    for (const [path, opts] of cases) await bothWays(path, opts, false);
  });

  it('stores a log entry, and answers it like the full stack', async () => {
    const answer = await bothWays(
      '/api/sdk/log',
      log({ agent_name: 'RestBot', action: 'read', status: 'ALLOWED', details: 'ok' }),
    );
    expect(answer.status).toBe(200);
    const id = (answer.body as { id: number }).id;
    const admin = trpcClient(server.url, server.adminKey);
    const { entries } = await admin.audit.list.query({ agent: 'RestBot' });
    expect(entries.some((e) => e.id === id && e.details === 'ok')).toBe(true);
    // charset, whitespace before the object, a BOM: what express.json takes
    const entry = { agent_name: 'RestBot', action: 'read', status: 'ALLOWED' };
    await bothWays('/api/sdk/log', {
      body: JSON.stringify(entry),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    await bothWays('/api/sdk/log', { body: `  \n${JSON.stringify(entry)}` });
    await bothWays('/api/sdk/log', { body: `\ufeff${JSON.stringify(entry)}` });
    await bothWays('/api/sdk/log', { ...log({ ...entry, details: 42 }) });
    // fields the procedure does not know are dropped the same way
    await bothWays('/api/sdk/log', log({ ...entry, callId: 'x', extra: [1, 2] }));
  });

  it('refuses hostile logs the same way', async () => {
    const entry = { agent_name: 'RestBot', action: 'read', status: 'ALLOWED' };
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const cases: SendOpts[] = [
      { body: '{"agent_name": "RestBot",' },
      { body: 'not json' },
      { body: '"a string"' },
      { body: '42' },
      { body: '   ' },
      { body: 'null' },
      { body: '[]' },
      { body: new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]) },
      log({}),
      log({ ...entry, status: 'APPROVED' }),
      log({ ...entry, status: 'NOPE' }),
      log({ ...entry, action: 'drop' }),
      log({ ...entry, action: 'x'.repeat(5000) }),
      log({ ...entry, agent_name: 'y'.repeat(5000) }),
      log({ ...entry, details: 'z'.repeat(5000) }),
      log({ ...entry, agent_name: 'OtherBot' }),
      log({ ...entry, agent_name: 'Nobody' }),
      { ...log(entry), key: otherKey },
      { ...log(entry), key: 'aegis_nope' },
      { ...log({ ...entry, agent_name: 'PausedBot' }), key: server.adminKey },
      { ...log({ ...entry, agent_name: 'Nobody' }), key: server.adminKey },
      { ...log({ ...entry, deep }) },
      { ...log({ ...entry, details: { a: 1 } }) },
      // an array body (express.json takes it): its elements become fields "0", "1", …
      log([entry]),
      log(['RestBot', 'read']),
      // a key that would reach the prototype if the input were merged naively
      { body: `{"__proto__":{"status":"ALLOWED"},"agent_name":"RestBot","action":"read"}` },
    ];
    for (const opts of cases) {
      const answer = await bothWays('/api/sdk/log', opts);
      expect(answer.status, String(opts.body)).toBeGreaterThanOrEqual(400);
      expect(answer.body, String(opts.body)).toHaveProperty('detail');
    }
  });

  it('leaves other shapes of the log to Express', async () => {
    const entry = JSON.stringify({ agent_name: 'RestBot', action: 'read', status: 'ALLOWED' });
    const cases: Array<[string, SendOpts]> = [
      ['/api/sdk/log', { body: entry, key: null }],
      ['/api/sdk/log', { body: entry, headers: { 'content-type': 'text/plain' } }],
      [
        '/api/sdk/log',
        { body: entry, headers: { 'content-type': 'application/json; charset=latin1' } },
      ],
      ['/api/sdk/log', { body: entry, headers: { 'content-type': 'application/jsonx' } }],
      ['/api/sdk/log', { body: '' }],
      ['/api/sdk/log', { body: 'x'.repeat(1024 * 1024 + 1) }],
      ['/api/sdk/log', { body: JSON.stringify({ d: 'x'.repeat(1024 * 1024) }) }],
      ['/api/sdk/log?x=1', { body: entry }],
      ['/api/sdk/log/', { body: entry }],
      ['/api/sdk/agent-status/RestBot', { method: 'POST', body: entry }],
    ];
    for (const [path, opts] of cases) await bothWays(path, opts, false);
  });

  it('applies the report rate limit with Retry-After', async () => {
    const normal = server;
    process.env.AEGIS_RATE_REPORTS = '0.01';
    try {
      server = await startTestServer({ inMemoryStore: true });
    } finally {
      delete process.env.AEGIS_RATE_REPORTS;
    }
    try {
      await trpcClient(server.url, server.adminKey).sdk.registerAgent.mutate({
        name: 'RestBot',
        allows: ['read'],
      });
      const opts = {
        key: server.adminKey,
        ...log({ agent_name: 'RestBot', action: 'read', status: 'ALLOWED' }),
      };
      // the bucket holds a full batch (1000 entries)
      for (let i = 0; i < 1000; i += 50) {
        const sent = Array.from({ length: 50 }, () =>
          send('/api/sdk/log', { ...opts, viaExpress: false }),
        );
        for (const answer of await Promise.all(sent)) expect(answer.status).toBe(200);
      }
      const refused = await bothWays('/api/sdk/log', opts);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await server.close();
      server = normal;
    }
  });
});
