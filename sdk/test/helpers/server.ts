import type { ChangeEvent } from '@aegis/shared';
import { startTestServer, type TestServer } from '../../../server/test/helpers/testServer';
import { useFixture, useTestServer } from '../../../server/test/helpers/useTestServer';
import {
  closeTransport,
  createAegis,
  createTransport,
  type Aegis,
  type AegisApi,
  type AegisOptions,
} from '../../src/index';

export { startTestServer, useTestServer, type TestServer };

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

/** What `useSdkServer` shares with a test file's tests. */
export interface SdkServer {
  readonly server: TestServer;
  /** The SDK client under test (admin key), background errors collected. */
  readonly aegis: ReturnType<typeof sdkFor>;
  /** "Another person": a separate admin transport, as the dashboard or CLI would act. */
  readonly reviewer: AegisApi;
}

/**
 * A test server plus an SDK client and a reviewer on it, for the tests of one file; the client is
 * closed before the server stops.
 */
export function useSdkServer(options?: Parameters<typeof useTestServer>[0]): SdkServer {
  const server = useTestServer(options);
  const clients = useFixture(
    () => Promise.resolve({ aegis: sdkFor(server()), reviewer: reviewerFor(server()) }),
    async ({ aegis, reviewer }) => {
      await aegis.close();
      closeTransport(reviewer);
    },
  );
  return {
    get server() {
      return server();
    },
    get aegis() {
      return clients().aegis;
    },
    get reviewer() {
      return clients().reviewer;
    },
  };
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
