import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@aegis/server';
import { createLogger } from '../../../server/src/logger';
import { startServer, type RunningServer } from '../../../server/src/server';

export type Api = ReturnType<typeof apiClient>;

export interface E2eServer {
  url: string;
  adminKey: string;
  /** The dashboard login link's one-time token, as the server prints it on start. */
  loginToken: string;
  server: RunningServer;
  /** A tRPC client acting with the given key (admin by default), as the SDK or CLI would. */
  api(key?: string): Api;
  close(): Promise<void>;
}

/** A Node tRPC client with a Bearer key: how SDK-side calls reach the server in these tests. */
export function apiClient(url: string, key: string) {
  return createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${key}` } })],
  });
}

/**
 * The real server (embedded store in a temp dir) serving the dashboard built into `clientDist` —
 * the same start-up as the server's startTestServer, plus the private dashboard build.
 */
export async function startE2eServer(clientDist: string): Promise<E2eServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'aegis-e2e-'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    inMemoryStore: false,
    dbName: 'aegis',
    logger: createLogger('silent'),
    approvalTtlMs: 3600_000,
    corsOrigins: [],
    publicUrl: 'http://127.0.0.1',
    clientDist,
  });
  const { loginUrl } = await server.auth.bootstrap();
  const loginToken = new URL(loginUrl).searchParams.get('token') ?? '';
  const adminKey = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
  return {
    url: server.url,
    adminKey,
    loginToken,
    server,
    api: (key = adminKey) => apiClient(server.url, key),
    async close() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
