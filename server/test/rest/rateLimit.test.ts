import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { call, createKey } from './restClient';
import * as seed from './seedShapes';

let server: TestServer;

beforeAll(async () => {
  // one decide per ~17 minutes: the second call is refused whatever the machine's speed
  process.env.AEGIS_RATE_DECIDE = '0.001';
  process.env.AEGIS_RATE_TRIALS = '0.001';
  server = await startTestServer();
  delete process.env.AEGIS_RATE_DECIDE;
  delete process.env.AEGIS_RATE_TRIALS;
});

afterAll(async () => {
  await server?.close();
});

it('POST /sdk/decide and /sdk/approval share the decide rate limit: 429 with Retry-After and a detail', async () => {
  const key = server.adminKey;
  await call(server.url, '/sdk/register-agent', { method: 'POST', body: { name: 'busy' }, key });
  const first = await call(server.url, '/sdk/decide', { method: 'POST', body: { agent_name: 'busy', action: 'ping' }, key });
  expect(first.status).toBe(200);

  const second = await call(server.url, '/sdk/decide', { method: 'POST', body: { agent_name: 'busy', action: 'ping' }, key });
  expect(second.status).toBe(429);
  expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(seed.error.parse(second.body).detail).toMatch(/retry/i);

  const approval = await call(server.url, '/sdk/approval', { method: 'POST', body: { agent_name: 'busy', action: 'ping' }, key });
  expect(approval.status).toBe(429);
});

// Review 6: each trial compiles and evaluates a draft on the event loop, and any viewer may send them.
it('policy trials have a rate per key, over REST and tRPC alike: 429 with Retry-After', async () => {
  const admin = server.adminKey;
  await call(server.url, '/sdk/register-agent', { method: 'POST', body: { name: 'trial' }, key: admin });
  const viewer = await createKey(server.url, admin, 'viewer');
  const body = { agent: 'trial', action: 'ping', args: {} };
  const first = await call(server.url, '/policy-documents/try', { method: 'POST', body, key: viewer });
  expect(first.status).toBe(200);

  const second = await call(server.url, '/policy-documents/try', { method: 'POST', body, key: viewer });
  expect(second.status).toBe(429);
  expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(seed.error.parse(second.body).detail).toMatch(/Too many policy trials; retry/);
  const trpc = await fetch(`${server.url}/trpc/policies.tryCall`, {
    method: 'POST',
    headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(trpc.status).toBe(429);

  // Another key has its own bucket.
  const other = await createKey(server.url, admin, 'viewer');
  expect((await call(server.url, '/policy-documents/try', { method: 'POST', body, key: other })).status).toBe(200);
});
