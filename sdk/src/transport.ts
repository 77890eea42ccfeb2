import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  type Operation,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { EventSource } from 'eventsource';
import type { AppRouter } from '@aegis/server';
import { createFailover, splitUrls } from './failover';
import { createNodeFetch } from './nodeFetch';
import { withTraceContext } from './tracing';

/** The typed tRPC client every part of the SDK (and the CLI) talks through. */
export type AegisApi = TRPCClient<AppRouter>;

export interface TransportOptions {
  /**
   * Server base URL, e.g. http://127.0.0.1:8000 (`/trpc` is appended unless already there), or
   * several, comma-separated: requests fail over to the next when one gives no answer.
   */
  url: string;
  apiKey: string | undefined;
  /**
   * Abort a request that takes longer than this; the call then counts as "server unreachable".
   * @defaultValue 10,000 (as `new Aegis()`; left out, a plain-JavaScript caller once got a 1 ms timer)
   */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** `/trpc` endpoint for a base URL. */
export function trpcUrl(base: string): string {
  return /\/trpc$/.test(base) ? base : `${base}/trpc`;
}

/**
 * `sdk.decide` is the call in every guarded tool's path, so it never rides in a batch with other
 * calls: a batch is answered only when every call in it is done, and the previous call's
 * `sdk.complete` would hold it up. A decide with no other decide in flight goes out at once on its
 * own; decides made while others are in flight (many concurrent tool calls on one client) go out
 * together in decide-only batches, which the server answers for a fraction of the per-request
 * cost. Other queries and mutations go over batched HTTP (≤ 20 per batch; the server takes
 * {@link SERVER_MAX_BATCH}); subscriptions over SSE. Node 20 has no global EventSource, so the
 * `eventsource` package is passed in, with a fetch that adds the key.
 */
export function createTransport(opts: TransportOptions): AegisApi {
  const decides = inFlightCounter((op) => op.path === 'sdk.decide');
  const failover = createFailover(splitUrls(opts.url).map(trpcUrl));
  const url = failover.bases[0] as string;
  const auth: Record<string, string> = opts.apiKey
    ? { authorization: `Bearer ${opts.apiKey}` }
    : {};
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(
      `requestTimeoutMs must be a positive number of milliseconds, got ${String(opts.requestTimeoutMs)}`,
    );
  }
  const nodeFetch = createNodeFetch({ timeoutMs });
  const leanFetch = failover.wrap(nodeFetch);
  const api = createTRPCClient<AppRouter>({
    links: [
      decides.link,
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: () => ({
            // a reconnect goes to whichever server answers now
            fetch: failover.wrap((input: string, init?: RequestInit) =>
              fetch(input, { ...init, headers: { ...init?.headers, ...auth } }),
            ),
          }),
        }),
        false: splitLink({
          condition: (op) => op.path === 'sdk.decide',
          true: splitLink({
            // the counter includes this call: 1 means it is alone
            condition: () => decides.count() <= 1,
            true: httpLink({ url, headers: () => withTraceContext(auth), fetch: leanFetch }),
            false: httpBatchLink({
              url,
              headers: () => withTraceContext(auth),
              fetch: leanFetch,
              maxItems: SERVER_MAX_BATCH,
            }),
          }),
          false: httpBatchLink({
            url,
            headers: () => withTraceContext(auth),
            fetch: leanFetch,
            maxURLLength: 4000,
            maxItems: 20,
          }),
        }),
      }),
    ],
  });
  closers.set(api, nodeFetch.close);
  return api;
}

const closers = new WeakMap<AegisApi, () => void>();

/** Closes a transport's kept-alive connections; `aegis.close()` does it for its own. */
export function closeTransport(api: AegisApi): void {
  closers.get(api)?.();
}

/** The server refuses a tRPC batch of more calls than this (server/src/trpc/limits.ts). */
const SERVER_MAX_BATCH = 50;

/** A pass-through link that counts the operations matching `matches` until each has finished. */
function inFlightCounter(matches: (op: Operation) => boolean): {
  link: TRPCLink<AppRouter>;
  count: () => number;
} {
  let inFlight = 0;
  const link: TRPCLink<AppRouter> =
    () =>
    ({ op, next }) => {
      if (!matches(op)) return next(op);
      return observable((observer) => {
        inFlight++;
        let counted = true;
        const done = () => {
          if (counted) inFlight--;
          counted = false;
        };
        const subscription = next(op).subscribe({
          next: (value) => observer.next(value),
          error: (error) => {
            done();
            observer.error(error);
          },
          complete: () => {
            done();
            observer.complete();
          },
        });
        return () => {
          done();
          subscription.unsubscribe();
        };
      });
    };
  return { link, count: () => inFlight };
}
