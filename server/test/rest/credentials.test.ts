import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfTokenFor } from '../../src/auth/secrets';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey } from './restClient';

let server: TestServer;
let reviewer: string;
/** `aegis_session=…; aegis_csrf=…` of a reviewer's dashboard login. */
let cookies: string;
let csrf: string;

beforeAll(async () => {
  server = await startTestServer();
  reviewer = await createKey(server.url, server.adminKey, 'reviewer');
  const login = await fetch(`${server.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: reviewer }),
  });
  expect(login.status).toBe(200);
  const pairs = login.headers.getSetCookie().map((c) => c.split(';')[0] ?? '');
  cookies = pairs.join('; ');
  csrf = decodeURIComponent(
    pairs.find((p) => p.startsWith('aegis_csrf='))?.slice('aegis_csrf='.length) ?? '',
  );
  await fetch(`${server.url}/api/sdk/register-agent`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'clerk' }),
  });
});

afterAll(async () => {
  await server?.close();
});

describe('REST credentials', () => {
  it('a refused credential says which case it is: none sent, a key not accepted, a malformed header', async () => {
    const detail = async (path: string, headers: Record<string, string>, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status).toBe(401);
      return ((await res.json()) as { detail: string }).detail;
    };
    expect(await detail('/api/stats', {})).toBe('An API key or a dashboard session is required');
    // A key was sent: "a key is required" read as nonsense to someone with a typo or a revoked key.
    expect(await detail('/api/stats', { authorization: 'Bearer aegis_typo' })).toMatch(
      /^The API key was not accepted: it is unknown, revoked or expired/,
    );
    expect(
      await detail(
        '/api/sdk/decide',
        { authorization: 'Bearer aegis_typo' },
        { agent_name: 'clerk', action: 'x' },
      ),
    ).toMatch(/^The API key was not accepted/);
    expect(await detail('/api/sdk/decide', {}, { agent_name: 'clerk', action: 'x' })).toBe(
      'An API key is required',
    );
    expect(await detail('/api/stats', { authorization: 'Token abc' })).toMatch(
      /^The Authorization header is malformed/,
    );
    // A session cookie that names no live session (signed out, expired).
    const ended = await fetch(`${server.url}/trpc/health.whoami`, {
      headers: { cookie: 'aegis_session=ended' },
    });
    expect(ended.status).toBe(401);
    expect(JSON.stringify(await ended.json())).toMatch(
      /The dashboard session was not accepted: it has ended/,
    );
  });

  it('reads may use the dashboard session cookie', async () => {
    const res = await fetch(`${server.url}/api/stats`, { headers: { cookie: cookies } });
    expect(res.status).toBe(200);
  });

  it('changes never run on the session cookie, even with the CSRF token: only an Authorization header counts', async () => {
    const toggle = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/agents/clerk/toggle`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ status: 'PAUSED' }),
      });
    // Refused, and told why: "a key or a session is required" read as nonsense with a session.
    const why =
      'REST changes need an API key (Authorization: Bearer <key>); a dashboard session cookie is accepted only by the dashboard';
    const byCookie = await toggle({ cookie: cookies, 'x-aegis-csrf': csrf });
    expect(byCookie.status).toBe(401);
    expect(await byCookie.json()).toMatchObject({ detail: why });
    // a body-less POST (no preflight from a foreign page) is refused as well
    const seedDemo = await fetch(`${server.url}/api/demo/seed`, {
      method: 'POST',
      headers: { cookie: cookies, 'x-aegis-csrf': csrf },
    });
    expect(seedDemo.status).toBe(401);
    expect(await seedDemo.json()).toMatchObject({ detail: why });
    // An ended session is told the same (only the dashboard would take even a live one) …
    const ended = await toggle({
      cookie: 'aegis_session=ended',
      'x-aegis-csrf': csrfTokenFor('ended'),
    });
    expect(ended.status).toBe(401);
    expect(await ended.json()).toMatchObject({ detail: why });
    // … while no credential, or a key that is wrong, reads as before.
    expect(await (await toggle({})).json()).toMatchObject({
      detail: 'An API key or a dashboard session is required',
    });
    expect(
      await (await toggle({ cookie: cookies, authorization: 'Bearer aegis_typo' })).json(),
    ).toMatchObject({ detail: expect.stringMatching(/^The API key was not accepted/) as string });
    expect((await server.services.agents.get('clerk')).status).toBe('ACTIVE');

    const byKey = await toggle({ authorization: `Bearer ${reviewer}` });
    expect(byKey.status).toBe(200);
  });

  // From an attack review: an admin's browser fetching the poll URL (a page elsewhere on the site,
  // SameSite cookies and all) used the approval up and recorded a call that never ran.
  it("a dashboard session reading an approved approval only looks: the agent's own poll uses it", async () => {
    const headers = {
      authorization: `Bearer ${server.adminKey}`,
      'content-type': 'application/json',
    };
    await fetch(`${server.url}/api/sdk/register-agent`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'payer' }),
    });
    await fetch(`${server.url}/api/sdk/register-policy`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ agent_name: 'payer', action: 'wire', rule_type: 'REVIEW' }),
    });
    const opened = await fetch(`${server.url}/api/sdk/approval`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ agent_name: 'payer', action: 'wire', args_json: '{"amount": 5}' }),
    });
    const { approval_id: id } = (await opened.json()) as { approval_id: number };
    const decided = await fetch(`${server.url}/api/sdk/decide-approval/${id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'APPROVED' }),
    });
    expect(decided.status).toBe(200);

    const admin = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: server.adminKey }),
    });
    const adminCookies = admin.headers
      .getSetCookie()
      .map((c) => c.split(';')[0] ?? '')
      .join('; ');
    for (const path of [`/api/sdk/approval-status/${id}`, '/api/sdk/find-approval/payer/wire']) {
      const looked = await fetch(`${server.url}${path}`, { headers: { cookie: adminCookies } });
      expect(looked.status).toBe(200);
    }
    expect((await server.services.approvals.get(id)).consumedAt).toBeNull();

    const byAgent = await fetch(`${server.url}/api/sdk/approval-status/${id}`, { headers });
    expect(await byAgent.json()).toMatchObject({ status: 'APPROVED' });
    expect((await server.services.approvals.get(id)).consumedAt).not.toBeNull();
  });
});
