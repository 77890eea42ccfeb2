import type { ChangeEvent } from '@aegis/shared';
import { startServer } from '../../../server/src/server';
import { createLogger } from '../../../server/src/logger';
import { startTestServer, type TestServer } from '../../../server/test/helpers/testServer';
import {
  createAegis,
  createTransport,
  type Aegis,
  type AegisApi,
  type AegisOptions,
} from '../../src/index';

export { startTestServer, type TestServer };

/** An SDK client on a test server, with background errors collected instead of printed. */
export function sdkFor(
  server: { url: string; adminKey: string },
  options: AegisOptions = {},
): Aegis & { backgroundErrors: unknown[] } {
  const backgroundErrors: unknown[] = [];
  const aegis = createAegis({
    url: server.url,
    apiKey: server.adminKey,
    onError: (e) => backgroundErrors.push(e),
    ...options,
  });
  return Object.assign(aegis, { backgroundErrors });
}

/** A second, independent client: "another person" acting on the dashboard or CLI. */
export function reviewerFor(server: { url: string; adminKey: string }): AegisApi {
  return createTransport({ url: server.url, apiKey: server.adminKey, requestTimeoutMs: 10_000 });
}

/** Restarts a server on the same data directory and port (the SDK sees the same URL again). */
export async function restartOn(dataDir: string, port: number) {
  const server = await startServer({
    host: '127.0.0.1',
    port,
    dataDir,
    inMemoryStore: false,
    dbName: 'aegis',
    logger: createLogger('silent'),
    approvalTtlMs: 3600_000,
    corsOrigins: [],
    publicUrl: 'http://127.0.0.1',
  });
  await server.auth.bootstrap();
  return server;
}

/** Resolves with the first value `pick` returns for an event, or rejects after `ms`. */
export function nextEvent<E, T>(
  subscribe: (listener: (e: E) => void) => () => void,
  pick: (e: E) => T | undefined,
  ms = 20_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for an event'));
    }, ms);
    const off = subscribe((e) => {
      const value = pick(e);
      if (value === undefined) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

/**
 * Starts listening to the client's change stream for the first event `pick` accepts, and returns
 * once the stream is live — so an action taken afterwards cannot be missed.
 */
export async function watchFor<T>(
  aegis: Aegis,
  pick: (e: ChangeEvent) => T | undefined,
): Promise<{ event: Promise<T> }> {
  const event = nextEvent<ChangeEvent, T>((listener) => aegis.onChange(listener), pick);
  await aegis.whenLive();
  return { event };
}

/** Unique agent names per test, so tests sharing a server don't see each other's agents. */
let counter = 0;
export function uniqueAgent(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}`;
}
