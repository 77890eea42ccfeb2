/**
 * A live stream resolves its principal once, when it opens. These check that revoking the key
 * (or logging the session out) ends the streams opened with it at once — an UNAUTHORIZED error
 * event, then the end of the response — and that nothing written after the revocation reaches
 * them. (Two servers on one store: test/workers.test.ts.)
 */
import { request, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/testServer';
import { createKey, headersFor, loginSession, trpc, type Credential } from './security/harness';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ inMemoryStore: true });
});
afterAll(() => server?.close());

const admin = (): Credential => ({ kind: 'bearer', key: server.adminKey });

/** A raw SSE stream: everything received, and whether the server ended the response. */
function openStream(procedure: string, cred: Credential) {
  let text = '';
  let ended = false;
  const url = `${server.url}/trpc/${procedure}?input=${encodeURIComponent('{}')}`;
  const req: ClientRequest = request(url, {
    headers: { accept: 'text/event-stream', ...headersFor(cred) },
  });
  req.on('response', (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => (ended = true));
  });
  req.on('error', () => (ended = true));
  req.end();
  return { text: () => text, ended: () => ended, close: () => req.destroy() };
}

async function until(what: string, done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newAgent(name: string): Promise<{ key: string; id: string }> {
  const created = await createKey(server, name, 'agent', [name]);
  const registered = await trpc(
    server.url,
    'sdk.registerAgent',
    'mutation',
    { name, allows: ['read'] },
    { kind: 'bearer', key: created.key },
  );
  expect(registered.status).toBe(200);
  return created;
}

async function decide(agentKey: string, agent: string, marker: string): Promise<void> {
  const r = await trpc(
    server.url,
    'sdk.decide',
    'mutation',
    { agent, action: 'read', args: { marker } },
    { kind: 'bearer', key: agentKey },
  );
  expect(r.status).toBe(200);
}

async function revoke(id: string): Promise<void> {
  const r = await trpc(server.url, 'keys.revoke', 'mutation', { id }, admin());
  expect(r.status).toBe(200);
}

/** The stream ended with an UNAUTHORIZED error event, and a new one is refused the same way. */
async function expectRevoked(
  s: ReturnType<typeof openStream>,
  procedure: string,
  cred: Credential,
) {
  await until('the stream to end', s.ended, 2_000);
  expect(s.text()).toContain('event: serialized-error');
  expect(s.text()).toContain('"UNAUTHORIZED"');
  const again = await trpc(server.url, procedure, 'subscription', {}, cred);
  expect(again.status).toBe(401);
}

describe('revoked credentials end their live streams', () => {
  it("a revoked viewer key's audit.onEntry stream ends and gets no later entry", async () => {
    const { key: agentKey } = await newAgent('rev-a');
    const viewer = await createKey(server, 'leaver', 'viewer');
    const cred: Credential = { kind: 'bearer', key: viewer.key };
    const s = openStream('audit.onEntry', cred);
    const other = openStream('audit.onEntry', admin());
    try {
      await until('connected', () => s.text().includes('event: connected'));
      await until('connected', () => other.text().includes('event: connected'));
      await decide(agentKey, 'rev-a', 'before the revocation');
      await until('the first entry', () => s.text().includes('before the revocation'));

      await revoke(viewer.id);
      await decide(agentKey, 'rev-a', 'after the revocation');
      await until('the admin to see it', () => other.text().includes('after the revocation'));
      await expectRevoked(s, 'audit.onEntry', cred);
      expect(s.text()).not.toContain('after the revocation');
      // The admin's own stream is untouched.
      expect(other.ended()).toBe(false);
    } finally {
      s.close();
      other.close();
    }
  });

  it("an agent key's changes.onChange stream ends when the key is revoked", async () => {
    const name = 'rev-b';
    const { key, id } = await newAgent(name);
    const cred: Credential = { kind: 'bearer', key };
    const s = openStream('changes.onChange', cred);
    try {
      await until('connected', () => s.text().includes('event: connected'));
      await revoke(id);
      const paused = await trpc(
        server.url,
        'agents.setStatus',
        'mutation',
        { name, status: 'PAUSED' },
        admin(),
      );
      expect(paused.status).toBe(200);
      await expectRevoked(s, 'changes.onChange', cred);
      expect(s.text()).not.toContain('agent.status');
    } finally {
      s.close();
    }
  });

  it('a dashboard session ends its streams at logout, and only its own', async () => {
    const { key: agentKey } = await newAgent('rev-c');
    const viewer = await createKey(server, 'session-holder', 'viewer');
    const leaving = await loginSession(server, viewer.key);
    const staying = await loginSession(server, viewer.key);
    const leavingCred: Credential = { kind: 'cookie', ...leaving };
    const stayingCred: Credential = { kind: 'cookie', ...staying };
    const s = openStream('audit.onEntry', leavingCred);
    const kept = openStream('audit.onEntry', stayingCred);
    try {
      await until('connected', () => s.text().includes('event: connected'));
      await until('connected', () => kept.text().includes('event: connected'));
      const out = await trpc(server.url, 'auth.logout', 'mutation', undefined, leavingCred);
      expect(out.status).toBe(200);
      await decide(agentKey, 'rev-c', 'after the logout');
      await until('the other session to see it', () => kept.text().includes('after the logout'));
      await expectRevoked(s, 'audit.onEntry', leavingCred);
      expect(s.text()).not.toContain('after the logout');
      await sleep(100);
      expect(kept.ended()).toBe(false);
    } finally {
      s.close();
      kept.close();
    }
  });

  it('revoking the key ends the streams of the sessions opened with it', async () => {
    const viewer = await createKey(server, 'session-key', 'viewer');
    const session = await loginSession(server, viewer.key);
    const cred: Credential = { kind: 'cookie', ...session };
    const s = openStream('changes.onChange', cred);
    try {
      await until('connected', () => s.text().includes('event: connected'));
      await revoke(viewer.id);
      await expectRevoked(s, 'changes.onChange', cred);
    } finally {
      s.close();
    }
  });
});
