import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';

// HEAD is GET without a body (RFC 9110), as Express answers it for its own routes. The seed's GET
// paths go through trpc-to-openapi, which matched GET only, so HEAD answered 404. Here every
// seed GET path (and a few others under /api) is asked both ways through Express and the REST
// router; restFastPath.test.ts does the same for the reads the fast path takes.

let server: TestServer;
let approvalId: number;

beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
  const admin = trpcClient(server.url, server.adminKey);
  await admin.sdk.registerAgent.mutate({
    name: 'HeadBot',
    allows: ['read'],
    blocks: ['drop'],
    review: ['wire'],
  });
  await admin.sdk.decide.mutate({ agent: 'HeadBot', action: 'read', args: {} });
  const held = await admin.sdk.decide.mutate({ agent: 'HeadBot', action: 'wire', args: { n: 1 } });
  approvalId = held.approvalId!;
}, 60_000);
afterAll(() => server?.close());

/** Headers that differ per response by nature, or are framing (GET may be chunked). */
const VOLATILE = new Set([
  'date',
  'x-request-id',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
]);

async function ask(method: 'GET' | 'HEAD', path: string, key: string | null) {
  const res = await fetch(`${server.url}/api${path}`, {
    method,
    // An Origin sends the seed SDK's reads through Express, not the fast path.
    headers: { origin: server.url, ...(key ? { authorization: `Bearer ${key}` } : {}) },
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!VOLATILE.has(name)) headers[name] = value;
  });
  return {
    status: res.status,
    headers,
    length: res.headers.get('content-length'),
    body: await res.text(),
  };
}

describe('HEAD on the REST paths', () => {
  it('answers every seed GET path as GET does, without a body', async () => {
    const paths = [
      '/stats',
      '/agents',
      '/agents/HeadBot/logs',
      '/agents/HeadBot/policies',
      '/agents/Nobody/logs',
      '/logs',
      '/approvals/pending',
      '/sdk/agent-status/HeadBot',
      '/sdk/policy/HeadBot/drop',
      '/sdk/policies/HeadBot',
      `/sdk/approval-status/${approvalId}`,
      '/sdk/approval-status/999999',
      '/sdk/find-approval/HeadBot/wire',
      '/sdk/pending-approvals',
      '/sdk/audit-log?agent_name=HeadBot&limit=10',
      '/sdk/audit-log?limit=nope',
      '/policy-documents?agent=HeadBot',
      '/openapi.json',
    ];
    const statuses: number[] = [];
    for (const path of paths) {
      const get = await ask('GET', path, server.adminKey);
      const head = await ask('HEAD', path, server.adminKey);
      statuses.push(get.status);
      expect({ status: head.status, headers: head.headers }, `HEAD ${path}`).toEqual({
        status: get.status,
        headers: get.headers,
      });
      expect(head.body, `HEAD ${path}`).toBe('');
      expect(Number(head.length), `HEAD ${path}: GET's length`).toBe(Buffer.byteLength(get.body));
    }
    // The answers compared include refusals: an unknown agent (404) and a bad query (400).
    expect(statuses).toContain(404);
    expect(statuses).toContain(400);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(10);
  });

  it('refuses HEAD without a key as GET does (401), and a path no method has is 404', async () => {
    const get = await ask('GET', '/stats', null);
    const head = await ask('HEAD', '/stats', null);
    expect(get.status).toBe(401);
    expect({ status: head.status, headers: head.headers }).toEqual({
      status: get.status,
      headers: get.headers,
    });
    expect((await ask('HEAD', '/no-such-path', server.adminKey)).status).toBe(404);
  });
});
