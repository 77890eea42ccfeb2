import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm start -- --workers 2` as an operator runs it (index.ts → workers.ts): real processes,
// one port, the embedded store in the primary, a temp data directory.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dataDir: string;
let primary: ChildProcess;
const output: string[] = [];
let baseUrl = '';
let adminKey = '';

function waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} in:\n${output.join('\n')}`)),
      timeoutMs,
    );
    const check = () => {
      for (const line of output) {
        const match = line.match(pattern);
        if (match) {
          clearTimeout(timer);
          primary.stdout?.off('data', check);
          return resolve(match);
        }
      }
    };
    primary.stdout?.on('data', check);
    check();
  });
}

/** One request on a fresh connection (no keep-alive), so node:cluster hands each to the next worker. */
function call(
  method: 'GET' | 'POST',
  proc: string,
  input: unknown,
  key = adminKey,
): Promise<{ status: number; body: string }> {
  const query = method === 'GET' ? `?input=${encodeURIComponent(JSON.stringify(input))}` : '';
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}/trpc/${proc}${query}`, {
      method,
      agent: false,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? JSON.stringify(input) : undefined);
  });
}

interface Subscription {
  events: Array<{ id: string; data: string }>;
  /** Whether the server ended the response. */
  ended(): boolean;
  /** Everything received, error events included. */
  text(): string;
  close(): void;
}

/** A `changes.onChange` SSE stream on its own connection: the ids and data of its events. */
function subscribe(
  headers: Record<string, string> = { authorization: `Bearer ${adminKey}` },
): Subscription {
  const events: Array<{ id: string; data: string }> = [];
  let ended = false;
  let text = '';
  const req = http.get(`${baseUrl}/trpc/changes.onChange`, {
    agent: false,
    headers: { ...headers, accept: 'text/event-stream' },
  });
  req.on('response', (res) => {
    res.on('end', () => (ended = true));
    let buffer = '';
    res.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      text += chunk.toString('utf8');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const id = block.find((l) => l.startsWith('id: '))?.slice(4);
        const data = block.find((l) => l.startsWith('data: '))?.slice(6);
        if (id && data) events.push({ id, data });
      }
    });
  });
  req.on('error', () => (ended = true));
  return { events, ended: () => ended, text: () => text, close: () => req.destroy() };
}

const until = async (done: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
};

const listeningUrls = () =>
  output
    .filter((l) => l.includes('Aegis is listening'))
    .map((l) => l.match(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/)?.[1]);

/** The worker processes of `pid`: its children running the server (not tsx's esbuild). */
async function workersOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (ppid === pid && cmdline.includes('server/src/index.ts')) found.push(Number(entry));
  }
  return found;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-workers-'));
  primary = spawn(process.execPath, ['--import', 'tsx', 'server/src/index.ts', '--workers', '2'], {
    cwd: ROOT,
    env: {
      ...process.env,
      AEGIS_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [primary.stdout, primary.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      output.push(...lines.filter(Boolean));
    });
  }
  await waitFor(/all workers listening/);
  await until(() => listeningUrls().length === 2, 'both workers to log their URL');
  adminKey = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
}, 90_000);
afterAll(async () => {
  if (primary.exitCode === null && primary.signalCode === null) primary.kill('SIGKILL');
  for (const pid of await workersOf(primary.pid ?? -1)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start -- --workers 2', () => {
  it('a first start prints one login link and one admin key, and the link signs in', async () => {
    // Every worker used to bootstrap: two links, both valid (and only the first worker made the key).
    const links = output.filter((line) => line.includes('/login?token='));
    expect(links).toHaveLength(1);
    expect(output.filter((line) => line.includes('Admin API key written to'))).toHaveLength(1);
    const token = new URL(links[0]!.trim()).searchParams.get('token');
    const login = await fetch(`${listeningUrls()[0]}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(login.status).toBe(200);
  });

  it('runs two workers on one port, and what happens on one is seen on the other', async () => {
    const urls = listeningUrls();
    expect(urls).toHaveLength(2);
    expect(new Set(urls).size).toBe(1);
    baseUrl = urls[0] as string;
    expect(await workersOf(primary.pid ?? -1)).toHaveLength(2);

    expect(
      (
        await call('POST', 'sdk.registerAgent', {
          name: 'Worker-Bot',
          allows: ['read'],
          review: ['wire'],
        })
      ).status,
    ).toBe(200);
    // Four streams over fresh connections: round-robin puts them on both workers.
    const streams = Array.from({ length: 4 }, subscribe);
    await new Promise((r) => setTimeout(r, 500));
    const paused = await call('POST', 'agents.setStatus', { name: 'Worker-Bot', status: 'PAUSED' });
    expect(paused.status).toBe(200);
    await until(
      () => streams.every((s) => s.events.some((e) => e.data.includes('"agent.status"'))),
      'the kill-switch event',
    );
    // Event ids are <seq>-<origin>: two origins = the streams are served by two processes.
    const origins = new Set(streams.map((s) => s.events[0]!.id.split('-')[1]));
    expect(origins.size).toBe(2);

    await call('POST', 'agents.setStatus', { name: 'Worker-Bot', status: 'ACTIVE' });
    const decided = await call('POST', 'sdk.decide', {
      agent: 'Worker-Bot',
      action: 'wire',
      args: { n: 1 },
    });
    const { result } = JSON.parse(decided.body) as {
      result: { data: { verdict: string; approvalId: number } };
    };
    expect(result.data.verdict).toBe('REVIEW');
    const opened = `"approval.created"`;
    await until(
      () =>
        streams.every((s) =>
          s.events.some(
            (e) => e.data.includes(opened) && e.data.includes(`"id":${result.data.approvalId},`),
          ),
        ),
      'the approval on every stream',
    );
    // Every worker reads the decision back from the database.
    for (let i = 0; i < 4; i++) {
      const got = await call('GET', 'approvals.byId', { id: result.data.approvalId });
      expect(got.status).toBe(200);
      expect(got.body).toContain('"Worker-Bot"');
    }
    for (const s of streams) s.close();
  }, 60_000);

  it("revoking a key on one worker ends the key's streams on both", async () => {
    const created = await call('POST', 'keys.create', { name: 'leaver', role: 'viewer' });
    const { result } = JSON.parse(created.body) as {
      result: { data: { key: string; info: { id: string } } };
    };
    const viewer = result.data;
    const streams = Array.from({ length: 4 }, () =>
      subscribe({ authorization: `Bearer ${viewer.key}` }),
    );
    await new Promise((r) => setTimeout(r, 500));
    await call('POST', 'agents.setStatus', { name: 'Worker-Bot', status: 'PAUSED' });
    await until(
      () => streams.every((s) => s.events.some((e) => e.data.includes('"agent.status"'))),
      'the kill-switch event',
    );
    // Both workers hold some of the streams, so the one not asked learns of it from the store.
    expect(new Set(streams.map((s) => s.events[0]!.id.split('-')[1])).size).toBe(2);

    const revokedAt = Date.now();
    expect((await call('POST', 'keys.revoke', { id: viewer.info.id })).status).toBe(200);
    await until(() => streams.every((s) => s.ended()), 'every stream of the revoked key to end');
    // Promptly: the change feed waits at most 1 s for news; allow a loaded test machine some slack.
    expect(Date.now() - revokedAt).toBeLessThan(3_000);
    for (const s of streams) expect(s.text()).toContain('"UNAUTHORIZED"');
    // Events after the revocation reach none of them; new requests are refused on both workers.
    await call('POST', 'agents.setStatus', { name: 'Worker-Bot', status: 'ACTIVE' });
    for (const s of streams)
      expect(s.events.filter((e) => e.data.includes('"ACTIVE"'))).toEqual([]);
    for (let i = 0; i < 4; i++)
      expect((await call('GET', 'audit.list', {}, viewer.key)).status).toBe(401);
    for (const s of streams) s.close();
  }, 60_000);

  it("logging out on one worker ends the session's streams on both", async () => {
    const login = await fetch(`${baseUrl}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: adminKey }),
    });
    expect(login.status).toBe(200);
    const cookie = (name: string) =>
      login.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${name}=`))
        ?.split(';')[0] ?? '';
    const csrf = decodeURIComponent(cookie('aegis_csrf').split('=')[1] ?? '');
    const session = { cookie: `${cookie('aegis_session')}; ${cookie('aegis_csrf')}` };
    const streams = Array.from({ length: 4 }, () => subscribe(session));
    await new Promise((r) => setTimeout(r, 500));
    await call('POST', 'agents.setStatus', { name: 'Worker-Bot', status: 'PAUSED' });
    await until(
      () => streams.every((s) => s.events.some((e) => e.data.includes('"PAUSED"'))),
      'the kill-switch event',
    );
    expect(new Set(streams.map((s) => s.events[0]!.id.split('-')[1])).size).toBe(2);

    const loggedOutAt = Date.now();
    const out = await fetch(`${baseUrl}/trpc/auth.logout?batch=1`, {
      method: 'POST',
      headers: { ...session, 'x-aegis-csrf': csrf, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    await until(() => streams.every((s) => s.ended()), 'every stream of the session to end');
    expect(Date.now() - loggedOutAt).toBeLessThan(3_000);
    for (const s of streams) expect(s.text()).toContain('"UNAUTHORIZED"');
    await call('POST', 'agents.setStatus', { name: 'Worker-Bot', status: 'ACTIVE' });
    for (const s of streams) s.close();
  }, 60_000);

  it('SIGTERM stops the workers and the primary cleanly', async () => {
    const workers = await workersOf(primary.pid ?? -1);
    expect(workers).toHaveLength(2);
    const exited = new Promise<number | null>((resolve) =>
      primary.once('exit', (code) => resolve(code)),
    );
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
    expect(output.join('\n')).not.toMatch(/worker died/);
  }, 30_000);
});
