import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import {
  createAegis,
  createTransport,
  type Aegis,
  type AegisApi,
  type AegisOptions,
} from '../sdk/src/index';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

export interface BenchServer {
  url: string;
  dataDir: string;
  adminKey: string;
  /** Admin tRPC client (the "dashboard" side: kill-switch, approvals, audit queries). */
  admin: AegisApi;
  /** The server's database, straight through the driver (bulk inserts, counting what was stored). */
  db: Db;
  /** The URI of the server's embedded store (its socket, by default). */
  storeUri: string;
  /** An agent key scoped to `agents` (created once per agent set). */
  agentKey(agents: string[]): Promise<string>;
  /** An SDK client with an agent key for `agents`, closed with the server. */
  sdk(agents: string[], options?: AegisOptions): Promise<Aegis>;
  /** A bare tRPC client with an agent key for `agents`. */
  transport(agents: string[]): Promise<AegisApi>;
  /** CPU time (user + system, ms) the server process has used so far. */
  serverCpuMs(): Promise<number>;
  /**
   * Waits until the server has finished the background work already caused (`server.settle()`:
   * the audit queue, a governance evaluation that registrations scheduled), then has the store
   * flush (`fsync`: buffered index entries merged, WAL checkpointed).
   */
  settle(): Promise<void>;
  /** The server process's id (scenario 13 samples its memory from /proc). */
  serverPid: number | undefined;
  /** The SDK clients' background errors (e.g. failed outcome reports), grouped by message. */
  backgroundErrors: Map<string, { count: number; example: string }>;
  /** Where the server's CPU profile goes when profiling; null otherwise. */
  profileDir: string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Run the server with `--cpu-prof`, writing the profile into this directory on stop. */
  profileDir?: string;
  /** How the server's embedded store listens. @defaultValue 'socket' (the default configuration) */
  storeTransport?: 'socket' | 'tcp';
  /** Extra environment for the server process (scenario 12: OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: Record<string, string>;
  /**
   * An existing data directory to run on, kept afterwards (`AEGIS_BENCH_DATA_DIR`: resume a long
   * scenario 6 on the log an earlier run inserted). Default: a fresh temp directory, removed.
   */
  dataDir?: string;
}

/**
 * Starts the real server in a child process on a fresh temp directory (embedded store on disk).
 * The decide and report rate limits are lifted (AEGIS_RATE_DECIDE, AEGIS_RATE_REPORTS) because
 * the bench measures capacity, not the limiters; everything else is the default configuration.
 */
export async function startBenchServer(opts: StartOptions = {}): Promise<BenchServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'aegis-bench-')));
  const execArgv = [
    '--enable-source-maps',
    ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : []),
  ];
  const child = fork(await bundledServerProcess(), [dataDir, opts.storeTransport ?? 'socket'], {
    execArgv,
    env: {
      ...process.env,
      AEGIS_RATE_DECIDE: '10000000',
      AEGIS_RATE_REPORTS: '10000000',
      NODE_ENV: 'production',
      ...opts.env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { url, storeUri } = await ready(child);
  const adminKey = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
  // A reply that never comes fails after 5 minutes (and a read or write is retried once on a new
  // connection) instead of holding the run forever: one full run hung on a dead connection.
  const mongo = await MongoClient.connect(storeUri, { socketTimeoutMS: 300_000 });
  // Long: at 1,000,000 entries a governance evaluation or a replay takes minutes, and the
  // analytics rebuild after a 10,000,000-entry insert may take more than half an hour here.
  const admin = createTransport({ url, apiKey: adminKey, requestTimeoutMs: 7_200_000 });
  const keys = new Map<string, string>();
  const clients: Aegis[] = [];
  const backgroundErrors = new Map<string, { count: number; example: string }>();
  // Background failures are counted, not printed one by one; the report lists them.
  const noteBackgroundError = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const cause =
      error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const kind = `${message}${cause}`
      .replace(/call \S+/g, 'call <id>')
      .replace(/\s+/g, ' ')
      .slice(0, 300);
    const seen = backgroundErrors.get(kind);
    if (seen) seen.count++;
    else backgroundErrors.set(kind, { count: 1, example: message + cause });
  };

  const agentKey = async (agents: string[]) => {
    const id = agents.join(',');
    let key = keys.get(id);
    if (!key) {
      key = (
        await admin.keys.create.mutate({ name: `bench:${id}`.slice(0, 100), role: 'agent', agents })
      ).key;
      keys.set(id, key);
    }
    return key;
  };

  return {
    url,
    dataDir,
    adminKey,
    admin,
    db: mongo.db('aegis'),
    storeUri,
    agentKey,
    profileDir: opts.profileDir ?? null,
    backgroundErrors,
    serverPid: child.pid,
    serverCpuMs: () =>
      new Promise<number>((resolve) => {
        const onMessage = (message: { type?: string; usage?: NodeJS.CpuUsage }) => {
          if (message.type !== 'cpu' || !message.usage) return;
          child.off('message', onMessage);
          resolve((message.usage.user + message.usage.system) / 1000);
        };
        child.on('message', onMessage);
        child.send('cpu');
      }),
    async settle() {
      await new Promise<void>((resolve) => {
        const onMessage = (message: { type?: string }) => {
          if (message.type !== 'settled') return;
          child.off('message', onMessage);
          resolve();
        };
        child.on('message', onMessage);
        child.send('settle');
      });
      // The store's deferred work for what was just written (buffered index entries, the WAL
      // checkpoint) done now, in the window that caused it: otherwise it lands in whichever
      // later window a timer or the 10,000-page checkpoint picks, ~0.5 ms per call at random.
      await mongo.db('admin').command({ fsync: 1 });
    },
    async sdk(agents, options = {}) {
      const client = createAegis({
        url,
        apiKey: await agentKey(agents),
        spoolPath: path.join(dataDir, `spool-${clients.length}.jsonl`),
        onError: (error) => noteBackgroundError(error),
        ...options,
      });
      clients.push(client);
      return client;
    },
    async transport(agents) {
      return createTransport({ url, apiKey: await agentKey(agents), requestTimeoutMs: 60_000 });
    },
    async stop() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await mongo.close();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send('stop');
      else child.kill('SIGTERM');
      await exited;
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let bundled: Promise<string> | undefined;

/**
 * `serverProcess.ts` bundled as `npm start` bundles the server (esbuild, npm packages external),
 * once per bench process: the bench measures the code users run. Run through tsx instead, every
 * nested function is wrapped in a `__name(...)` call each time it is created (tsx keeps names),
 * which cost the decide path ~10–20 µs that the shipped server never pays. Removed on exit.
 */
function bundledServerProcess(): Promise<string> {
  bundled ??= (async () => {
    // Beside `npm start`'s bundle, so paths the server finds from its own file resolve the same.
    const outfile = path.join(repoRoot, 'server', 'dist', `bench-server-${process.pid}.js`);
    const { bundleServer } = (await import(
      pathToFileURL(path.join(repoRoot, 'scripts', 'build-server.mjs')).href
    )) as { bundleServer: (o: { entry: string; outfile: string }) => Promise<unknown> };
    await bundleServer({ entry: path.join('bench', 'serverProcess.ts'), outfile });
    process.once('exit', () => {
      rmSync(outfile, { force: true });
      rmSync(`${outfile}.map`, { force: true });
    });
    return outfile;
  })();
  return bundled;
}

function ready(child: ChildProcess): Promise<{ url: string; storeUri: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('bench: the server did not start within 60 s')),
      60_000,
    );
    child.once('message', (message: { type?: string; url?: string; storeUri?: string }) => {
      clearTimeout(timer);
      if (message.type === 'ready' && message.url && message.storeUri)
        resolve({ url: message.url, storeUri: message.storeUri });
      else
        reject(new Error(`bench: unexpected message from the server: ${JSON.stringify(message)}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench: the server exited with code ${code} before it was ready`));
    });
  });
}

/**
 * Scenarios that compare server configurations (8: store transport, 15: rollups on/off): one
 * fresh server per kind, `measure` over all of them, then every one stopped, whatever happened.
 */
export async function withOwnServers<K extends string, T>(
  kinds: readonly K[],
  optionsFor: (kind: K) => StartOptions,
  measure: (servers: Record<K, BenchServer>) => Promise<T>,
): Promise<T> {
  const servers = {} as Record<K, BenchServer>;
  try {
    for (const kind of kinds) servers[kind] = await startBenchServer(optionsFor(kind));
    return await measure(servers);
  } finally {
    await Promise.allSettled(Object.values<BenchServer>(servers).map((s) => s.stop()));
  }
}
