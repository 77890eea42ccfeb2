/**
 * Done-means 2: at least 10,000 malformed requests (fast-check) across every REST path and unary
 * tRPC procedure: zero 5xx, no crash, no prototype pollution, and the fixture data untouched
 * (hostile calls aim at the agent "target"; the agent "fixture" and the keys must not change).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, trpc, type Credential } from './harness';
import {
  couldBeId,
  hostileExtraKeys,
  hostileFragment,
  hostileRawBody,
  hostileSegment,
  hostileTrpcPathSuffix,
  oversizedBody,
  spliceInput,
} from './hostileArbitraries';
import {
  DESTRUCTIVE,
  fillTemplate,
  restTargets,
  trpcTargets,
  type Ids,
  type RestTarget,
  type TrpcTarget,
} from './hostileTargets';

const BATCH = 20;
/** 500 × 20 = 10,000 requests; FUZZ_RUNS overrides it for a quick local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const CREDS = [
  'admin',
  'admin',
  'admin',
  'agent',
  'none',
  'junkBasic',
  'junkBearer',
  'junkCookie',
] as const;

let server: TestServer;
let ids: Ids;
let targets: Array<TrpcTarget | RestTarget>;
let headersOf: Record<Cred, Record<string, string>>;
let sent = 0;
/** Keys that exist before the run; valid keys.create calls may add others. */
let fixtureKeys: string[] = [];

type Cred = (typeof CREDS)[number];
interface Req {
  target: number;
  field: number;
  fragment: string;
  extra: string;
  raw: { body: Uint8Array | string; contentType?: string } | null;
  segment: string | null;
  pathSuffix: string | null;
  cred: Cred;
  wrongMethod: boolean;
}

const requestArb: fc.Arbitrary<Req> = fc.record({
  target: fc.nat(),
  field: fc.nat(),
  fragment: hostileFragment,
  extra: hostileExtraKeys,
  raw: fc.option(hostileRawBody, { freq: 5 }),
  segment: fc.option(hostileSegment, { freq: 2 }),
  pathSuffix: fc.option(hostileTrpcPathSuffix, { freq: 10 }),
  cred: fc.constantFrom(...CREDS),
  wrongMethod: fc.integer({ min: 0, max: 15 }).map((n) => n === 0),
});

function inputText(r: Req, base: Record<string, unknown> | undefined): string | Uint8Array {
  if (r.raw) return r.raw.body;
  if (!base) return r.fragment;
  const keys = [...Object.keys(base), '__proto__', 'constructor', '$where'];
  const field = keys[r.field % keys.length]!;
  // Ids get only values that can never be valid, so no hostile call decides a real approval.
  const fragment = /(^|_)id$/i.test(field) && couldBeId(r.fragment) ? '"not-an-id"' : r.fragment;
  return spliceInput(base, field, fragment, r.extra);
}

async function send(r: Req): Promise<{ status: number; what: string }> {
  const target = targets[r.target % targets.length]!;
  const name = target.kind === 'trpc' ? target.path : `${target.method} ${target.template}`;
  const cred = DESTRUCTIVE.has(name) && r.cred === 'admin' ? 'agent' : r.cred;
  const headers: Record<string, string> = { ...headersOf[cred] };
  const body = inputText(r, target.base);
  let url: string;
  let method: string;
  if (target.kind === 'trpc') {
    method = (target.type === 'query') !== r.wrongMethod ? 'GET' : 'POST';
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
    url = `${server.url}/trpc/${target.path}${r.pathSuffix ?? ''}${method === 'GET' ? `?input=${encodeURIComponent(text)}` : ''}`;
  } else {
    method = r.wrongMethod ? (target.method === 'GET' ? 'POST' : 'GET') : target.method;
    const query =
      method === 'GET' && r.segment !== null ? `?agent_name=${r.segment}&limit=${r.segment}` : '';
    url = `${server.url}/api${fillTemplate(target.template, ids, r.segment)}${query}`;
  }
  const init: RequestInit = { method, headers };
  if (method !== 'GET') {
    init.body = body;
    headers['content-type'] = r.raw?.contentType ?? 'application/json';
  }
  const what = `${method} ${url.slice(0, 300)} as ${cred} body=${String(typeof body === 'string' ? body.slice(0, 300) : `<${body.length} bytes>`)}`;
  try {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    sent++;
    return { status: res.status, what };
  } catch (error) {
    return { status: 0, what: `${what} → ${String(error)}` };
  }
}

async function fixtureState(): Promise<string> {
  const db = server.store.connection;
  const docs = async (name: string, filter: Record<string, unknown>) =>
    (await db.collection(name).find(filter).sort({ _id: 1 }).toArray()).map(
      ({ lastUsedAt: _ignored, ...rest }) => rest,
    );
  return JSON.stringify({
    agents: await docs('agents', { name: 'fixture' }),
    policies: await docs('policies', { agent: 'fixture' }),
    audit: await docs('audit_log', { agent: 'fixture' }),
    approvals: await docs('approvals', { agent: 'fixture' }),
    keys: await docs('api_keys', { id: { $in: fixtureKeys } }),
  });
}

beforeAll(async () => {
  // FUZZ_LOG=error shows the server's own account of a 5xx; FUZZ_SEED replays a failing run.
  server = await startTestServer({
    inMemoryStore: true,
    logLevel: process.env.FUZZ_LOG ?? 'silent',
  });
  const admin: Credential = { kind: 'bearer', key: server.adminKey };
  const call = async (path: string, input: unknown) => {
    const res = await trpc(server.url, path, 'mutation', input, admin);
    if (res.status !== 200) throw new Error(`${path}: ${JSON.stringify(res.body)}`);
    return (res.body as { result: { data: Record<string, unknown> } }).result.data;
  };
  for (const name of ['fixture', 'target'])
    await call('sdk.registerAgent', { name, allows: ['read'], review: ['pay'] });
  await call('sdk.decide', { agent: 'fixture', action: 'read', args: {} });
  await call('sdk.decide', { agent: 'fixture', action: 'pay', args: { amount: 1 } });
  const approval = (
    await call('sdk.decide', { agent: 'target', action: 'pay', args: { amount: 2 } })
  ).approvalId as number;
  ids = { approval, throwawayKey: (await createKey(server, 'throwaway', 'viewer')).id };
  const agentKey = (await createKey(server, 'target-bot', 'agent', ['target'])).key;
  headersOf = {
    admin: { authorization: `Bearer ${server.adminKey}` },
    agent: { authorization: `Basic ${Buffer.from(`agent:${agentKey}`).toString('base64')}` },
    none: {},
    junkBasic: { authorization: 'Basic !!!not-base64%%%' },
    junkBearer: { authorization: 'Bearer {"$gt":""}' },
    junkCookie: {
      cookie: 'aegis_session={"$ne":null}; aegis_csrf=x; __proto__=1',
      'x-aegis-csrf': 'x',
    },
  };
  targets = [...trpcTargets(ids), ...restTargets()];
  fixtureKeys = (
    await server.store.connection
      .collection('api_keys')
      .find({ id: { $ne: ids.throwawayKey } })
      .toArray()
  ).map((k) => String(k.id));
});

afterAll(async () => {
  await server?.close();
});

describe('hostile input', () => {
  it('answers 10,000 malformed requests with 4xx (or 2xx for what is valid), never 5xx', async () => {
    const before = await fixtureState();
    const failures: string[] = [];
    const result = await fc.check(
      fc.asyncProperty(
        fc.array(requestArb, { minLength: BATCH, maxLength: BATCH }),
        async (batch) => {
          const results = await Promise.all(batch.map(send));
          const bad = results.filter((r) => r.status < 200 || r.status >= 500);
          failures.push(...bad.map((b) => `${b.status} ${b.what}`));
          return bad.length === 0;
        },
      ),
      {
        numRuns: RUNS,
        endOnFailure: true,
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
      },
    );
    // fast-check's own report would print megabytes of generated input: report the requests instead.
    expect(failures.slice(0, 5), `seed ${result.seed}`).toEqual([]);
    expect(result.failed).toBe(false);
    expect(sent).toBeGreaterThanOrEqual(BATCH * RUNS);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    const after = await fixtureState();
    if (after !== before) {
      const [b, a] = [
        JSON.parse(before) as Record<string, unknown[]>,
        JSON.parse(after) as Record<string, unknown[]>,
      ];
      for (const key of Object.keys(b)) expect(a[key], `fixture ${key} changed`).toEqual(b[key]);
    }
    const verify = await trpc(server.url, 'audit.verify', 'query', undefined, {
      kind: 'bearer',
      key: server.adminKey,
    });
    expect((verify.body as { result: { data: unknown } }).result.data).toMatchObject({
      ok: true,
      firstBad: null,
    });
    // Seconds on an idle 2-core machine; the margin is for a loaded one.
  }, 300_000);

  it('refuses oversized bodies on every write with 413, not 5xx', async () => {
    const writes = targets.filter((t) =>
      t.kind === 'trpc' ? t.type === 'mutation' : t.method !== 'GET',
    );
    const body = oversizedBody();
    for (const t of writes) {
      const url =
        t.kind === 'trpc'
          ? `${server.url}/trpc/${t.path}`
          : `${server.url}/api${fillTemplate(t.template, ids, null)}`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headersOf.agent, 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.status, url).toBeLessThan(500);
    }
  });
});
