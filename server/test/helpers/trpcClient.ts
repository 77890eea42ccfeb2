import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../../src/routers/_app';

/**
 * A Node tRPC client over real HTTP: batched queries/mutations, SSE subscriptions through the
 * `eventsource` package (Node 20 has no global EventSource), the key in the Authorization header.
 */
export function trpcClient(baseUrl: string, key?: string): TRPCClient<AppRouter> {
  const url = `${baseUrl}/trpc`;
  const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
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
        false: httpBatchLink({ url, headers: () => auth }),
      }),
    ],
  });
}
