import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from './testServer';

/**
 * Something one test file shares, made in `beforeAll` and disposed in `afterAll`. Vitest runs
 * after-hooks in reverse order, so a fixture built on another is disposed before it. The getter
 * throws if read before `beforeAll` ran (at module level, say).
 */
export function useFixture<T>(
  setup: () => Promise<T>,
  teardown: (value: T) => Promise<void> | void,
): () => T {
  let state: { value: T } | undefined;
  beforeAll(async () => {
    state = { value: await setup() };
  });
  afterAll(async () => {
    if (state) await teardown(state.value);
  });
  return () => {
    if (!state) throw new Error('a test fixture was read before its beforeAll ran');
    return state.value;
  };
}

/**
 * The real server for the tests of one file: started before the first, stopped (data removed)
 * after the last. Options may be computed in `beforeAll` (e.g. a dashboard build to serve).
 *
 * @example
 * ```ts
 * const server = useTestServer({ inMemoryStore: true });
 * it('answers', async () => expect((await fetch(server().url + '/api/health')).ok).toBe(true));
 * ```
 */
export function useTestServer(
  options: TestServerOptions | (() => Promise<TestServerOptions>) = {},
): () => TestServer {
  return useFixture(
    async () => startTestServer(typeof options === 'function' ? await options() : options),
    (server) => server.close(),
  );
}
