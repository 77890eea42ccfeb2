import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter, RouterInputs, RouterOutputs } from '@aegis/server';

export type { AppRouter, RouterInputs, RouterOutputs };

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** The readable CSRF cookie the server sets beside the httpOnly session cookie. */
export function csrfToken(): string {
  const match = /(?:^|;\s*)aegis_csrf=([^;]*)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : '';
}

/** Every request echoes the CSRF cookie, proving it came from a page of this origin. */
function headers(): Record<string, string> {
  const token = csrfToken();
  return token ? { 'x-aegis-csrf': token } : {};
}

/**
 * Subscriptions go over SSE (same origin, cookies included, reconnecting by itself with the last
 * tracked event id); queries and mutations are batched over HTTP at /trpc.
 */
export function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: '/trpc',
          eventSourceOptions: () => ({ withCredentials: true }),
        }),
        // The server refuses batches over 50 calls; long GET URLs split into several requests.
        false: httpBatchLink({ url: '/trpc', headers, maxItems: 20, maxURLLength: 4000 }),
      }),
    ],
  });
}

export type TrpcClient = ReturnType<typeof makeTrpcClient>;
