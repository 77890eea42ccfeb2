import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Principal } from '@aegis/shared';
import { createApp, type AegisApp } from '../../src/app';
import { createLogger } from '../../src/logger';
import { appRouter } from '../../src/routers/_app';
import { startServer, type RunningServer } from '../../src/server';
import { createContextInner } from '../../src/trpc/context';
import { createCallerFactory } from '../../src/trpc/init';

export const principals = {
  admin: { keyId: 'key-admin', name: 'alice-admin', role: 'admin', agents: null },
  reviewer: { keyId: 'key-reviewer', name: 'rita-reviewer', role: 'reviewer', agents: null },
  viewer: { keyId: 'key-viewer', name: 'victor-viewer', role: 'viewer', agents: null },
  agent: (...agents: string[]): Principal => ({
    keyId: `key-${agents.join('-')}`,
    name: `agent-key:${agents.join(',')}`,
    role: 'agent',
    agents,
  }),
} satisfies Record<string, Principal | ((...a: string[]) => Principal)>;

export interface TestServer extends RunningServer {
  dataDir: string;
  /** The admin key the first start wrote to `<dataDir>/admin.key`. */
  adminKey: string;
  /** The one-time dashboard login link this start printed. */
  loginUrl: string;
  /** Stops the server; the data directory is removed unless `keepData` (or it was given). */
  close(opts?: { keepData?: boolean }): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TestServerOptions {
  /** Reuse a data directory (restart tests); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Listen on this port (a restart on the same URL); a free one otherwise. */
  port?: number;
  /** Keep the embedded store in memory (faster; nothing survives a restart). */
  inMemoryStore?: boolean;
  approvalTtlMs?: number;
  /** AEGIS_MAX_PENDING_APPROVALS. */
  maxPendingApprovals?: number;
  corsOrigins?: string[];
  logLevel?: string;
  /** Serve this dashboard build (browser tests). */
  clientDist?: string;
  /** The embedded store's transport (default: its private Unix socket). */
  storeTransport?: 'socket' | 'tcp';
  /** AEGIS_AGENT_REGISTRATION. */
  agentRegistration?: 'open' | 'review';
  /** How long a request may take to arrive (default 30 s). */
  requestTimeoutMs?: number;
  /** AEGIS_METRICS_TOKEN. */
  metricsToken?: string;
  /** AEGIS_TRUST_PROXY (default off). */
  trustProxy?: false | number | string[];
  /** AEGIS_MAX_STREAMS (default 16). */
  maxStreams?: number;
  /** Events a stream may queue for a client that doesn't read (default 5000). */
  streamQueueLimit?: number;
  /** AEGIS_REPORT_MAX_AGE_MS: how old a local-mode report may be (default 24 h). */
  reportMaxAgeMs?: number;
  /** How often a text compliance report in preparation sends a newline (default 5 s). */
  exportHeartbeatMs?: number;
  /** AEGIS_ROLLUPS (default on). */
  rollups?: boolean;
}

/**
 * `startServer`'s options for a server under test (sdk, client e2e and bench suites alike):
 * 127.0.0.1, a free port, a quiet logger, the default approval TTL.
 */
export function testServerConfig(
  opts: TestServerOptions & { dataDir: string },
): Parameters<typeof startServer>[0] {
  return {
    host: '127.0.0.1',
    port: opts.port ?? 0,
    dataDir: opts.dataDir,
    inMemoryStore: opts.inMemoryStore ?? false,
    storeTransport: opts.storeTransport,
    dbName: 'aegis',
    logger: createLogger(opts.logLevel ?? 'silent'),
    approvalTtlMs: opts.approvalTtlMs ?? 3600_000,
    maxPendingApprovals: opts.maxPendingApprovals,
    corsOrigins: opts.corsOrigins ?? [],
    publicUrl: 'http://127.0.0.1',
    clientDist: opts.clientDist,
    agentRegistration: opts.agentRegistration,
    requestTimeoutMs: opts.requestTimeoutMs,
    metricsToken: opts.metricsToken,
    maxStreams: opts.maxStreams,
    trustProxy: opts.trustProxy,
    streamQueueLimit: opts.streamQueueLimit,
    reportMaxAgeMs: opts.reportMaxAgeMs,
    exportHeartbeatMs: opts.exportHeartbeatMs,
    rollups: opts.rollups,
  };
}

/** The real app on 127.0.0.1 with the embedded store in a temp directory (or `opts.dataDir`). */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'aegis-test-')));
  const server = await startServer(testServerConfig({ ...opts, dataDir }));
  const { loginUrl } = await server.auth.bootstrap();
  const adminKey = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
  const close = async ({ keepData = false }: { keepData?: boolean } = {}) => {
    await server.stop();
    if (!keepData && !opts.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  return { ...server, dataDir, adminKey, loginUrl, close, [Symbol.asyncDispose]: () => close() };
}

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface TestContext extends AegisApp {
  /** A tRPC caller acting as `principal` (null: anonymous). */
  as(principal: Principal | null): Caller;
  dispose(): Promise<void>;
}

/** Services and auth on an in-memory embedded store, for createCaller router tests (no HTTP). */
export async function createTestContext(
  opts: { approvalTtlMs?: number; maxPendingApprovals?: number } = {},
): Promise<TestContext> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-router-'));
  const aegis = await createApp(
    testServerConfig({ dataDir, inMemoryStore: true, ...opts }),
  );
  let n = 0;
  return {
    ...aegis,
    as: (principal) =>
      createCaller(
        createContextInner({
          principal,
          services: aegis.services,
          auth: aegis.auth,
          requestId: `test-${++n}`,
        }),
      ),
    async dispose() {
      await aegis.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
