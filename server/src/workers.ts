import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { startEmbeddedMongo } from 'embedded-mongo';
import { fromFile } from './auth/bindingSecret';
import { preparePrivateDataDir } from './data/dataDir';

/**
 * Set by the primary on the first worker it starts ("1") and on every other ("0"): only the first
 * runs the start's bootstrap (the first admin key, the one-time login link), so a start prints one
 * link however many workers it has, and a worker started again after a crash prints none.
 */
const BOOTSTRAP_ENV = 'AEGIS_WORKER_BOOTSTRAP';

/** Whether this process does the start's bootstrap: a single server, or the first worker. */
export function bootstrapsHere(): boolean {
  return !cluster.isWorker || process.env[BOOTSTRAP_ENV] === '1';
}

/** More workers than this buys nothing but memory: the store is one process too. */
export const MAX_WORKERS = 16;

/**
 * `--workers N` (or `--workers=N`, `--workers auto`) from the command line; null without it.
 * `auto` (and 0) means one per core, capped at {@link MAX_WORKERS}.
 */
export function workersFromArgs(argv: readonly string[]): number | null {
  const at = argv.findIndex((a) => a === '--workers' || a.startsWith('--workers='));
  if (at < 0) return null;
  const arg = argv[at] as string;
  const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[at + 1] ?? 'auto');
  const n = raw === 'auto' ? 0 : Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--workers: expected a whole number or "auto", got "${raw}"`);
  return Math.min(n === 0 ? availableParallelism() : n, MAX_WORKERS);
}

/**
 * The primary of `npm start -- --workers N`: N server processes (node:cluster) share one port;
 * each is an ordinary Aegis server on one database, kept consistent by the database and its
 * change streams (docs/scale.md). Without MONGO_URI the embedded store runs here, in the primary,
 * on the data directory's private socket, and the workers connect to it; the primary serves no
 * requests itself. The first worker starts alone (it creates the admin key on a first start and
 * prints the start's one login link), the others once it listens. A worker that dies is replaced.
 */
export async function runPrimary(opts: {
  workers: number;
  dataDir: string;
  mongoUri: string | undefined;
  secret: string | undefined;
  logger: Logger;
}): Promise<void> {
  const { logger } = opts;
  const env: Record<string, string> = {};
  let closeStore: (() => Promise<void>) | null = null;
  if (!opts.mongoUri) {
    await preparePrivateDataDir(opts.dataDir);
    const store = await startEmbeddedMongo({ dir: path.join(opts.dataDir, 'store') });
    closeStore = () => store.close();
    env.MONGO_URI = `${store.uri}${store.uri.includes('?') ? '&' : '?'}serverMonitoringMode=poll`;
    // The installation's approval-binding key stays the one in the data directory's file.
    const secret = opts.secret ?? (await fromFile(opts.dataDir, logger)).toString('utf8');
    env.AEGIS_SECRET = secret;
    logger.info({ socket: store.socket }, 'embedded store started for the workers');
  }

  let stopping = false;
  const fork = (bootstrap = false): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ ...env, [BOOTSTRAP_ENV]: bootstrap ? '1' : '0' });
      worker.once('listening', () => resolve(worker));
      worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before listening`)));
    });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died: starting another');
    fork().catch((error: unknown) => logger.error({ err: error }, 'could not replace a worker'));
  });
  await fork(true);
  await Promise.all(Array.from({ length: opts.workers - 1 }, () => fork()));
  logger.info({ workers: opts.workers }, 'all workers listening');

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const wait = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length > 0) return;
      clearInterval(wait);
      void (closeStore?.() ?? Promise.resolve()).finally(() => process.exit(0));
    }, 50);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
