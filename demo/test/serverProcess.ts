import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A real Aegis server in a child process, as a user starts it, on a free port and a temp data dir. */
export interface ServerProcess {
  url: string;
  dataDir: string;
  apiKey: string;
  stop(): Promise<void>;
}

/**
 * Starts `server/src/index.ts` the way `npm run dev` does. A separate process rather than an
 * in-process app, because the demo must work against the server from the outside — it never
 * imports server code — and that is what this proves.
 */
export async function startServerProcess(): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'aegis-demo-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/index.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      AEGIS_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      MONGO_URI: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  try {
    const url = await listeningUrl(child);
    const apiKey = (await readFile(join(dataDir, 'admin.key'), 'utf8')).trim();
    return { url, dataDir, apiKey, stop: () => stop(child, dataDir) };
  } catch (error) {
    await stop(child, dataDir);
    throw new Error(`Aegis server did not start: ${String(error)}\n${stderr.join('')}`);
  }
}

/** The server logs `"msg":"Aegis is listening"` with its URL once it accepts requests. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.includes('Aegis is listening')) return;
      const url = (JSON.parse(line) as { url?: string }).url;
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`server exited with code ${String(code)}`)));
  });
}

async function stop(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
}
