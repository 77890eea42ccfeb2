import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { call } from './restClient';
import * as seed from './seedShapes';

let server: TestServer;

beforeAll(async () => {
  // one decide per ~17 minutes: the second call is refused whatever the machine's speed
  process.env.AEGIS_RATE_DECIDE = '0.001';
  server = await startTestServer();
  delete process.env.AEGIS_RATE_DECIDE;
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
