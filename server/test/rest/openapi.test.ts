import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer } from '../helpers/testServer';
import { call, createKey } from './restClient';
import * as seed from './seedShapes';

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

/** Every seed path (rest-shapes.md) and our one-call decide. */
const SEED_PATHS: Array<[method: 'get' | 'post', path: string]> = [
  ['get', '/stats'],
  ['get', '/agents'],
  ['get', '/agents/{name}/logs'],
  ['get', '/agents/{name}/policies'],
  ['post', '/agents/{name}/toggle'],
  ['get', '/logs'],
  ['get', '/approvals/pending'],
  ['post', '/approvals/{id}/decide'],
  ['post', '/sdk/init'],
  ['post', '/sdk/register-agent'],
  ['post', '/sdk/register-policy'],
  ['get', '/sdk/agent-status/{name}'],
  ['get', '/sdk/policy/{agent_name}/{action}'],
  ['get', '/sdk/policies/{agent_name}'],
  ['post', '/sdk/log'],
  ['post', '/sdk/update-status'],
  ['post', '/sdk/approval'],
  ['get', '/sdk/approval-status/{approval_id}'],
  ['post', '/sdk/decide-approval/{approval_id}'],
  ['get', '/sdk/find-approval/{agent_name}/{action}'],
  ['get', '/sdk/pending-approvals'],
  ['get', '/sdk/audit-log'],
  ['post', '/demo/seed'],
  ['post', '/sdk/decide'],
];

describe('the OpenAPI document and the docs page', () => {
  it('GET /api/openapi.json is a valid OpenAPI 3.1 document listing every seed path', async () => {
    const res = await call(server.url, '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    const doc = z.object({ openapi: z.string(), paths: z.record(z.string(), z.record(z.string(), z.unknown())) }).parse(res.body);
    expect(doc.openapi).toMatch(/^3\.1\./);
    const validator = new Validator();
    const result = await validator.validate(res.body as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    for (const [method, path] of SEED_PATHS) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });

  it('GET /api/docs is an HTML page whose scripts and styles all load from /api/docs/*', async () => {
    const res = await fetch(`${server.url}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    // no inline script: every script has a src, so a strict CSP allows the page
    expect(scripts.every((attrs) => /src="\/api\/docs\//.test(attrs))).toBe(true);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.every((a) => a.startsWith('/api/docs/'))).toBe(true);
    for (const asset of assets) {
      const got = await fetch(`${server.url}${asset}`);
      expect(got.status, asset).toBe(200);
      expect((await got.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    const init = await (await fetch(`${server.url}/api/docs/init.js`)).text();
    expect(init).toContain('/api/openapi.json');
    expect((await fetch(`${server.url}/api/docs/index.html`)).status).toBe(404);
  });
});

describe('REST basics', () => {
  it('GET /api/health needs no key', async () => {
    const res = await call(server.url, '/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  it('answers 401 with a detail and WWW-Authenticate without a key, and for a wrong key', async () => {
    const none = await call(server.url, '/stats', { key: null });
    expect(none.status).toBe(401);
    seed.error.parse(none.body);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await call(server.url, '/stats', { key: 'not-a-key' })).status).toBe(401);
    expect((await call(server.url, '/stats', { key: 'not-a-key', basic: true })).status).toBe(401);
    expect((await call(server.url, '/stats', { key: server.adminKey, basic: true })).status).toBe(200);
  });

  it('answers unknown paths, bad JSON and other content types in the seed error shape', async () => {
    const unknown = await call(server.url, '/nope', { key: server.adminKey });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Not Found' });

    const badJson = await call(server.url, '/sdk/log', { method: 'POST', raw: { body: '{"agent_name": ', contentType: 'application/json' }, key: server.adminKey });
    expect(badJson.status).toBe(400);
    expect(seed.error.parse(badJson.body).detail).toMatch(/JSON/);

    const text = await call(server.url, '/sdk/log', { method: 'POST', raw: { body: 'hello', contentType: 'text/plain' }, key: server.adminKey });
    expect(text.status).toBe(415);
    seed.error.parse(text.body);

    const charset = await call(server.url, '/sdk/register-agent', {
      method: 'POST',
      raw: { body: JSON.stringify({ name: 'charset-agent' }), contentType: 'application/json; charset=utf-8' },
      key: server.adminKey,
    });
    expect(charset.status).toBe(200);
  });

  it('POST /demo/seed resets and seeds the demo bank (admins only)', async () => {
    const viewer = await createKey(server.url, server.adminKey, 'viewer');
    expect((await call(server.url, '/demo/seed', { method: 'POST', key: viewer })).status).toBe(403);
    const res = await call(server.url, '/demo/seed', { method: 'POST', key: server.adminKey });
    expect(res.status).toBe(200);
    const counts = z.object({ customers: z.number().int(), accounts: z.number().int(), transactions: z.number().int() }).parse(res.body);
    expect(counts.customers).toBe(10);
    expect(counts.accounts).toBeGreaterThanOrEqual(10);
    expect(counts.transactions).toBeGreaterThan(0);
    const agents = await call(server.url, '/agents', { key: server.adminKey });
    expect(agents.body).toEqual([]);
  });
});
