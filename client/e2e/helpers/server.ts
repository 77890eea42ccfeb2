import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@aegis/server';
import type { RunningServer } from '../../../server/src/server';
import { startTestServer, type TestServerOptions } from '../../../server/test/helpers/testServer';

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

/** The real server (embedded store in a temp dir, as every suite starts it) serving the dashboard built into `clientDist`. */
export async function startE2eServer(
  clientDist: string,
  opts: Omit<TestServerOptions, 'clientDist'> = {},
): Promise<E2eServer> {
  const server = await startTestServer({ ...opts, clientDist });
  return {
    url: server.url,
    adminKey: server.adminKey,
    loginToken: new URL(server.loginUrl).searchParams.get('token') ?? '',
    server,
    api: (key = server.adminKey) => apiClient(server.url, key),
    close: () => server.close(),
  };
}
