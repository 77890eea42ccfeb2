import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirError } from '../../src/data/dataDir';
import { startTestServer, type TestServer } from '../helpers/testServer';
import { trpcClient } from '../helpers/trpcClient';

/**
 * Issue 12, item 2: a curious co-worker with a shell on the same host. The embedded store used
 * to listen on 127.0.0.1 without authentication and its files were 0644 in 0755 folders; as
 * `nobody`, raw SSNs could be read and an admin key planted with one insert.
 */
const isRoot = process.getuid?.() === 0;
const hasRunuser = spawnSync('runuser', ['--version']).status === 0;
// Switching to another OS user needs root (and util-linux's runuser); without them the
// file-mode checks above still run, and these are skipped with the reason in their name.
const asNobody = isRoot && hasRunuser ? it : it.skip;
const needsRoot = isRoot ? '' : ' [skipped: not root, cannot run as another OS user]';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshParent(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aegis-private-'));
  dirs.push(dir);
  // A world-readable parent, like a home directory: only the data dir itself protects the data.
  await chmod(dir, 0o755);
  return dir;
}

/** Every path under `dir` (itself included), with its mode and kind. */
async function walk(dir: string): Promise<Array<{ path: string; mode: number; kind: string }>> {
  const info = await lstat(dir);
  const here = [{ path: dir, mode: info.mode & 0o777, kind: kindOf(info) }];
  if (!info.isDirectory()) return here;
  for (const name of await readdir(dir)) here.push(...(await walk(path.join(dir, name))));
  return here;
}
function kindOf(info: Awaited<ReturnType<typeof lstat>>): string {
  if (info.isDirectory()) return 'dir';
  if (info.isSocket()) return 'socket';
  return 'file';
}

/** Runs a command as `nobody`. Asynchronously: the server under test shares this event loop. */
function runAsNobody(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('runuser', ['-u', 'nobody', '--', ...args], { timeout: 60_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, out }));
  });
}

/**
 * What the co-worker runs: connect to the store Aegis uses and plant an admin key (and read the
 * approvals on the way). Printed as one JSON line. The script and the driver are world-readable.
 */
const ATTACK = `
const [driver, uri, hash] = process.argv.slice(2);
const { MongoClient } = await import(driver);
const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3000 });
try {
  await client.connect();
  const db = client.db('aegis');
  const approvals = await db.collection('approvals').find().toArray();
  await db.collection('api_keys').insertOne({ id: 'key_planted', name: 'planted', role: 'admin', agents: null, hash,
    createdAt: new Date(), createdBy: null, lastUsedAt: null, revokedAt: null });
  console.log(JSON.stringify({ planted: true, approvalsRead: approvals.length }));
} catch (error) {
  console.log(JSON.stringify({ planted: false, error: String(error.message).slice(0, 300) }));
} finally {
  await client.close().catch(() => {});
}
`;

describe('the data directory is private to its owner', () => {
  let parent: string;
  let server: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    parent = await freshParent();
    dataDir = path.join(parent, 'nested', '.aegis'); // nothing of it exists yet
    // Left by an older version: the store's TCP address, which the demo used to trust.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(dataDir, 'store.json'), '{"uri":"mongodb://127.0.0.1:1/"}', {
      mode: 0o600,
    });
    await rm(path.join(parent, 'nested'), { recursive: true }); // ...but start from nothing below
    server = await startTestServer({ dataDir });
    const api = trpcClient(server.url, server.adminKey);
    // Some data, so the store has written its WAL and the approvals hold masked arguments.
    await api.sdk.registerAgent.mutate({ name: 'payer', review: ['wire'] });
    await api.sdk.decide.mutate({ agent: 'payer', action: 'wire', args: { ssn: '123-45-4417' } });
  });
  afterAll(() => server?.close());

  it('creates the directory 0700 and every file in it 0600, the store on a socket inside', async () => {
    expect(server.store.access).toMatchObject({
      kind: 'embedded',
      socket: path.join(dataDir, 'store', 'mongod.sock'),
    });
    expect(server.store.uri).toMatch(
      /^mongodb:\/\/%2F.*mongod\.sock\/\?directConnection=true&serverMonitoringMode=poll$/,
    );
    const entries = await walk(dataDir);
    const names = entries.map((e) => path.relative(dataDir, e.path)).sort();
    expect(names).toEqual(
      [
        '',
        'admin.key',
        'binding.key',
        'store',
        'store/embedded-mongo.sqlite',
        'store/embedded-mongo.sqlite-shm',
        'store/embedded-mongo.sqlite-wal',
        'store/mongod.sock',
      ].sort(),
    );
    for (const e of entries) {
      expect({ path: e.path, mode: e.mode.toString(8) }).toEqual({
        path: e.path,
        mode: e.kind === 'dir' ? '700' : '600',
      });
    }
    expect((await lstat(path.join(parent, 'nested'))).mode & 0o777).toBe(0o700);
  });

  asNobody(`lets another OS user read nothing and connect to nothing${needsRoot}`, async () => {
    const entries = await walk(dataDir);
    expect((await runAsNobody(['ls', dataDir])).out).toMatch(/Permission denied/);
    for (const e of entries.filter((x) => x.kind === 'file')) {
      const read = await runAsNobody(['cat', e.path]);
      expect({ file: e.path, status: read.status }).toEqual({ file: e.path, status: 1 });
      expect(read.out).toMatch(/Permission denied/);
    }
    const socket = path.join(dataDir, 'store', 'mongod.sock');
    const probe = await runAsNobody([
      process.execPath,
      '-e',
      `require('net').connect(${JSON.stringify(socket)}).on('connect', () => { console.log('CONNECTED'); process.exit(0); }).on('error', (e) => console.log(e.code))`,
    ]);
    expect(probe.out.trim()).toBe('EACCES');
  });

  asNobody(`refuses the planted admin key: nobody cannot reach the store${needsRoot}`, async () => {
    const attack = await plantAdminKey(server);
    expect(attack.result).toMatchObject({ planted: false });
    expect(attack.result.error).toMatch(/EACCES|permission denied/i);
    const res = await fetch(`${server.url}/trpc/health.whoami`, {
      headers: { authorization: `Bearer ${attack.key}` },
    });
    expect(res.status).toBe(401);
  });

  asNobody(
    `control: the same attack on a TCP store (the bench's comparison only) succeeds${needsRoot}`,
    async () => {
      // Shows the attack above is real, and why TCP is not the default.
      const tcp = await startTestServer({ storeTransport: 'tcp' });
      try {
        expect(tcp.store.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\//);
        const attack = await plantAdminKey(tcp);
        expect(attack.result).toEqual({ planted: true, approvalsRead: 0 });
        const whoami = await trpcClient(tcp.url, attack.key).health.whoami.query();
        expect(whoami.role).toBe('admin');
      } finally {
        await tcp.close();
      }
    },
  );

  it('removed the stale store.json an older version left', async () => {
    await expect(lstat(path.join(dataDir, 'store.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a data directory others can read', () => {
  it('is refused at start-up with the chmod that fixes it, and nothing is written into it', async () => {
    const dataDir = path.join(await freshParent(), "team's aegis");
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(dataDir, 0o750); // group may read: still refused
    const error = await startTestServer({ dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirError);
    expect((error as Error).message).toContain(`chmod 700 '${dataDir.replace(/'/g, `'\\''`)}'`);
    expect((error as Error).message).toMatch(/open to other users \(mode 750\)/);
    expect(await readdir(dataDir)).toEqual([]);

    await chmod(dataDir, 0o700);
    const server = await startTestServer({ dataDir });
    await server.close();
  });
});

async function plantAdminKey(
  target: TestServer,
): Promise<{ key: string; result: { planted: boolean; error?: string } }> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'aegis-attacker-'));
  dirs.push(scratch);
  await chmod(scratch, 0o755);
  const script = path.join(scratch, 'attack.mjs');
  await writeFile(script, ATTACK, { mode: 0o644 });
  const driver = pathToFileURL(createRequire(import.meta.url).resolve('mongodb')).href;
  const key = 'aegis_planted_by_nobody_000000000000000';
  const hash = createHash('sha256').update(key, 'utf8').digest('hex');
  const run = await runAsNobody([process.execPath, script, driver, target.store.uri, hash]);
  const line = run.out.trim().split('\n').pop() ?? '';
  return { key, result: JSON.parse(line) as { planted: boolean; error?: string } };
}
