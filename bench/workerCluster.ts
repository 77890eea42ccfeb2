import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Linux clock ticks per second (/proc/<pid>/stat counts CPU time in them). */
const TICKS_PER_S = 100;

export interface WorkerCluster {
  url: string;
  adminKey: string;
  /** CPU time (ms) used so far by the whole process tree: primary, workers, embedded store. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * `npm start` (workers 1) or `npm start -- --workers N`, as an operator runs it: real processes on
 * a fresh data directory, a free port, rate limits lifted (the bench measures capacity).
 */
export async function startWorkers(workers: number): Promise<WorkerCluster> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-bench-workers-'));
  const args = [
    '--import',
    'tsx',
    'server/src/index.ts',
    ...(workers > 1 ? ['--workers', String(workers)] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      AEGIS_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      AEGIS_RATE_DECIDE: '10000000',
      AEGIS_RATE_REPORTS: '10000000',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await listening(child, workers);
    const adminKey = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
    return { url, adminKey, cpuMs: () => treeCpuMs(child.pid ?? -1), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves with the URL once `workers` processes have logged "Aegis is listening". */
function listening(child: ChildProcess, workers: number): Promise<string> {
  const lines: string[] = [];
  const urls: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`workers not listening after 90 s:\n${lines.join('\n')}`)),
      90_000,
    );
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          lines.push(line);
          const url = line.includes('Aegis is listening')
            ? /"url":"([^"]+)"/.exec(line)?.[1]
            : undefined;
          if (url) urls.push(url);
          if (urls.length === workers) {
            clearTimeout(timer);
            resolve(urls[0] as string);
          }
        }
      });
    }
    child.once('exit', (code) =>
      reject(new Error(`server exited (${code}):\n${lines.join('\n')}`)),
    );
  });
}

/** utime + stime of `pid` and its children (workers; tsx's esbuild is idle after start). */
async function treeCpuMs(pid: number): Promise<number> {
  let ticks = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name: state(0) ppid(1) … utime(11) stime(12).
    if (Number(entry) === pid || Number(fields[1]) === pid)
      ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / TICKS_PER_S) * 1000;
}
