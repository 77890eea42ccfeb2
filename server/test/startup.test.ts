import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Runs server/src/index.ts (what `npm start` runs, unbundled) with the given environment. */
function launch(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/index.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => out, exited };
}

async function waitFor<T>(
  probe: () => T | undefined,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('start-up', () => {
  it('starts on loopback with the embedded store, serves, and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-start-'));
    dirs.push(dataDir);
    const run = launch({ PORT: '0', AEGIS_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const url = await waitFor(
      () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(run.output())?.[1],
      'the listening log line',
    );
    const health = await fetch(`${url}/trpc/health.check`);
    expect(await health.json()).toMatchObject({ result: { data: { ok: true } } });
    expect((await stat(path.join(dataDir, 'admin.key'))).mode & 0o777).toBe(0o600);
    expect(run.output()).toContain('/login?token=');

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('"msg":"stopped"');
    // Structured logs never carry the admin key.
    const key = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
    expect(run.output()).not.toContain(key);
  }, 150_000);

  it('refuses a data directory other users can read, naming the chmod that fixes it', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-start-'));
    dirs.push(dataDir);
    await chmod(dataDir, 0o755);
    const run = launch({ PORT: '0', AEGIS_DATA_DIR: dataDir });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(
      `Aegis will not start: The data directory ${dataDir} is open to other users (mode 755)`,
    );
    expect(run.output()).toContain(`chmod 700 ${dataDir}`);
    expect(run.output()).not.toContain('    at '); // a message, not a stack trace
    expect(await readdir(dataDir)).toEqual([]); // no admin key, no store written into it
  }, 150_000);

  it('refuses a bad environment with one message naming the variable', async () => {
    const run = launch({ PORT: 'eighty', AEGIS_DATA_DIR: path.join(tmpdir(), 'aegis-never') });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('PORT');
    expect(run.output()).not.toContain('    at '); // a message, not a stack trace
  }, 150_000);
});
