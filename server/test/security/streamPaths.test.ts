/**
 * Attack review 7: tRPC's Express adapter serves the procedure named after the *last* `/` of the
 * path, so `/trpc/x/audit.onEntry` opened a live stream that the per-key stream limit didn't
 * count and that outlived its key's revocation (the limit and the live-stream handler read the
 * whole path). Every other spelling of a stream's path — extra segments, `//`, `/./`, `%2F`, a
 * trailing slash, case, `;params`, an encoded `.`, batch flags — is either served under the same
 * guards or refused with a 4xx, for a key (revoked) and for a dashboard session (logged out).
 */
import { request, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { createKey, headersFor, loginSession, trpc, type Credential } from './harness';

const MAX_STREAMS = 2;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true, maxStreams: MAX_STREAMS });
});
afterAll(() => server?.close());

const INPUT = `input=${encodeURIComponent('{}')}`;
const PLAIN = `/trpc/audit.onEntry?${INPUT}`;

/** Each spelling, and whether it is served (as the plain path, under its guards) or refused. */
const VARIANTS: { path: string; served: boolean }[] = [
  { path: `/trpc/x/audit.onEntry?${INPUT}`, served: false },
  { path: `/trpc//audit.onEntry?${INPUT}`, served: false },
  { path: `/trpc/./audit.onEntry?${INPUT}`, served: false },
  { path: `/trpc/x/../audit.onEntry?${INPUT}`, served: false },
  { path: `/trpc/x;y/audit.onEntry?${INPUT}`, served: false },
  { path: `/trpc/audit.onEntry/?${INPUT}`, served: false },
  { path: `/trpc/x%2Faudit.onEntry?${INPUT}`, served: false },
  { path: `/trpc/audit.onEntry;x?${INPUT}`, served: false },
  { path: `/trpc/Audit.OnEntry?${INPUT}`, served: false },
  { path: `/trpc/audit.onEntry?${INPUT}&batch=1`, served: false },
  { path: `/trpc/audit%2EonEntry?${INPUT}`, served: true },
  { path: `/TRPC/audit.onEntry?${INPUT}`, served: true },
  { path: `/trpc/audit.onEntry?${INPUT}&batch=0`, served: true },
  { path: `/trpc/audit.onEntry?${INPUT}&batch[x]=1`, served: true },
  { path: `/trpc/audit.onEntry?${INPUT}&batch`, served: true },
];

interface Stream {
  status: number;
  body: () => string;
  ended: () => boolean;
  close: () => void;
}

/** A raw request (node sends the path as written: no `./` or `//` folding), resolved at its head. */
function openStream(path: string, cred: Credential): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let text = '';
    let ended = false;
    const req: ClientRequest = request({
      host: '127.0.0.1',
      port: server.port,
      path,
      headers: { accept: 'text/event-stream', ...headersFor(cred) },
    });
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (ended = true));
      res.on('error', () => (ended = true));
      resolve({
        status: res.statusCode ?? 0,
        body: () => text,
        ended: () => ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(what: string, done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A refusal: a 4xx in tRPC's error envelope (never a 5xx, never a stream). */
async function expectRefused(s: Stream, path: string): Promise<void> {
  expect(s.status, path).toBeGreaterThanOrEqual(400);
  expect(s.status, path).toBeLessThan(500);
  await until('the refusal body', s.ended);
  expect(JSON.parse(s.body()), path).toHaveProperty('error.message');
}

let agentKey = '';
let agentSeq = 0;
beforeAll(async () => {
  const created = await createKey(server, 'paths-agent', 'agent', ['paths-agent']);
  agentKey = created.key;
  const registered = await trpc(
    server.url,
    'sdk.registerAgent',
    'mutation',
    { name: 'paths-agent', allows: ['read'] },
    { kind: 'bearer', key: agentKey },
  );
  expect(registered.status).toBe(200);
});

/** A new audit entry carrying `marker`. */
async function entry(marker: string): Promise<void> {
  const r = await trpc(
    server.url,
    'sdk.decide',
    'mutation',
    { agent: 'paths-agent', action: 'read', args: { marker, n: ++agentSeq } },
    { kind: 'bearer', key: agentKey },
  );
  expect(r.status).toBe(200);
}

describe('every spelling of a live stream path', () => {
  it.each(VARIANTS)('counts toward the per-key stream limit: $path', async ({ path }) => {
    const viewer = await createKey(server, `limit-${path}`, 'viewer');
    const cred: Credential = { kind: 'bearer', key: viewer.key };
    const open: Stream[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS; i++) {
        open.push(await openStream(PLAIN, cred));
        expect(open.at(-1)?.status).toBe(200);
      }
      const extra = await openStream(path, cred);
      open.push(extra);
      await expectRefused(extra, path);
    } finally {
      for (const s of open) s.close();
    }
  });

  it.each(VARIANTS)(
    'is refused, or ends when its key is revoked: $path',
    async ({ path, served }) => {
      const viewer = await createKey(server, `revoke-${path}`, 'viewer');
      const cred: Credential = { kind: 'bearer', key: viewer.key };
      const s = await openStream(path, cred);
      try {
        if (!served) return await expectRefused(s, path);
        expect(s.status).toBe(200);
        await until('connected', () => s.body().includes('event: connected'));
        const revoked = await trpc(
          server.url,
          'keys.revoke',
          'mutation',
          { id: viewer.id },
          { kind: 'bearer', key: server.adminKey },
        );
        expect(revoked.status).toBe(200);
        await entry(`after revoking ${path}`);
        await until('the stream to end', s.ended);
        expect(s.body()).toContain('"UNAUTHORIZED"');
        expect(s.body()).not.toContain(`after revoking ${path}`);
      } finally {
        s.close();
      }
    },
  );

  it.each(VARIANTS)(
    'is refused, or ends at its session’s logout: $path',
    async ({ path, served }) => {
      const viewer = await createKey(server, `session-${path}`, 'viewer');
      const cred: Credential = { kind: 'cookie', ...(await loginSession(server, viewer.key)) };
      const s = await openStream(path, cred);
      try {
        if (!served) return await expectRefused(s, path);
        expect(s.status).toBe(200);
        await until('connected', () => s.body().includes('event: connected'));
        const out = await trpc(server.url, 'auth.logout', 'mutation', undefined, cred);
        expect(out.status).toBe(200);
        await entry(`after logging out ${path}`);
        await until('the stream to end', s.ended);
        expect(s.body()).toContain('"UNAUTHORIZED"');
        expect(s.body()).not.toContain(`after logging out ${path}`);
      } finally {
        s.close();
      }
    },
  );

  it('names the problem when a path has extra segments', async () => {
    const s = await openStream(`/trpc/x/audit.onEntry?${INPUT}`, {
      kind: 'bearer',
      key: server.adminKey,
    });
    expect(s.status).toBe(404);
    await until('the body', s.ended);
    const body = JSON.parse(s.body()) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe('NOT_FOUND');
    expect(body.error.message).toContain('one segment');
  });
});
