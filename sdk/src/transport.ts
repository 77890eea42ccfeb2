import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '@aegis/server';
import { createNodeFetch } from './nodeFetch';

/** The typed tRPC client every part of the SDK (and the CLI) talks through. */
export type AegisApi = TRPCClient<AppRouter>;

export interface TransportOptions {
  /** Server base URL, e.g. http://127.0.0.1:8000 (`/trpc` is appended unless already there). */
  url: string;
  apiKey: string | undefined;
  /** Abort a request that takes longer than this; the call then counts as "server unreachable". */
  requestTimeoutMs: number;
}

/** `/trpc` endpoint for a base URL. */
export function trpcUrl(base: string): string {
  return /\/trpc$/.test(base) ? base : `${base}/trpc`;
}

/**
 * `sdk.decide` goes over plain HTTP, one request per call: a batch is answered only when every
 * call in it is done, so a batched decide would wait for whatever rides with it (the previous
 * call's `sdk.complete`) and for the batch timer. Other queries and mutations go over batched
 * HTTP (≤ 20 per batch; the server takes 50); subscriptions over SSE. Node 20 has no global
 * EventSource, so the `eventsource` package is passed in, with a fetch that adds the key.
 */
export function createTransport(opts: TransportOptions): AegisApi {
  const url = trpcUrl(opts.url);
  const auth: Record<string, string> = opts.apiKey
    ? { authorization: `Bearer ${opts.apiKey}` }
    : {};
  const leanFetch = createNodeFetch({ timeoutMs: opts.requestTimeoutMs });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...init.headers, ...auth } }),
          }),
        }),
        false: splitLink({
          condition: (op) => op.path === 'sdk.decide',
          true: httpLink({ url, headers: () => auth, fetch: leanFetch }),
          false: httpBatchLink({
            url,
            headers: () => auth,
            fetch: leanFetch,
            maxURLLength: 4000,
            maxItems: 20,
          }),
        }),
      }),
    ],
  });
}
