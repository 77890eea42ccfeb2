import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A child process and the first stdout line matching `ready` (the rest is kept for failures). */
interface Proc {
  child: ChildProcess;
  output: string[];
}

function launch(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<Proc & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        output.push(line);
        const match = line.match(ready);
        if (match) resolve({ child, output, match });
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    child.once('exit', (code) =>
      reject(
        new Error(`${args.join(' ')} exited (${code}) before it was ready:\n${output.join('\n')}`),
      ),
    );
  });
}

export interface ClusterServer {
  url: string;
  child: ChildProcess;
  output: string[];
}

export interface Cluster {
  /** The standalone embedded store every server shares (its URI, with the database name). */
  storeUri: string;
  servers: ClusterServer[];
  /** The admin key the first server created. */
  adminKey: string;
  /** Another server on the same store. */
  add(): Promise<ClusterServer>;
  close(): Promise<void>;
}

/**
 * `n` Aegis server processes (`server/src/index.ts`, as `npm start` runs it) on one standalone
 * embedded store process, as N servers share one MongoDB replica set behind a load balancer.
 */
export async function startCluster(n: number): Promise<Cluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cluster-'));
  const procs: ChildProcess[] = [];
  const store = await launch(
    ['embedded-mongo/src/cli.ts', '--dir', path.join(dir, 'store')],
    {},
    /listening on (mongodb:\S+)/,
  );
  procs.push(store.child);
  const base = store.match[1] as string;
  const storeUri = `${base}${base.includes('?') ? '&' : '?'}serverMonitoringMode=poll`;
  let index = 0;
  const add = async (): Promise<ClusterServer> => {
    const dataDir = path.join(dir, `server-${index++}`);
    const started = await launch(
      ['server/src/index.ts'],
      {
        MONGO_URI: storeUri,
        AEGIS_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        AEGIS_RATE_DECIDE: '1000000',
        AEGIS_RATE_REPORTS: '1000000',
      },
      /"url":"(http:\/\/127\.0\.0\.1:\d+)".*Aegis is listening|Aegis is listening.*"url":"(http:\/\/127\.0\.0\.1:\d+)"/,
    );
    procs.push(started.child);
    return {
      url: (started.match[1] ?? started.match[2]) as string,
      child: started.child,
      output: started.output,
    };
  };
  try {
    const first = await add();
    const rest = await Promise.all(Array.from({ length: n - 1 }, add));
    const adminKey = (await readFile(path.join(dir, 'server-0', 'admin.key'), 'utf8')).trim();
    return {
      storeUri,
      servers: [first, ...rest],
      adminKey,
      add,
      async close() {
        await Promise.all(procs.map(stop));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(procs.map(stop));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** SIGTERM, then SIGKILL if it lingers; resolves when the process is gone. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
