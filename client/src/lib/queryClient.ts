import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { errorCode, errorMessage, isNetworkError, isUnauthorized } from './errors';
import { setUnreachable } from './connection';
import { toast } from './toasts';

/** Codes where retrying cannot help: the answer will be the same. */
const FINAL = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_REQUEST', 'CONFLICT', 'PRECONDITION_FAILED']);

/**
 * One QueryClient for the app. Any UNAUTHORIZED answer sends the user to the login page with an
 * explanation; an unreachable server raises the banner; failed actions toast the server's message.
 */
export function makeQueryClient(onUnauthorized: () => void): QueryClient {
  const onAnyError = (error: unknown) => {
    if (isUnauthorized(error)) onUnauthorized();
    else if (isNetworkError(error)) setUnreachable(true);
  };
  return new QueryClient({
    queryCache: new QueryCache({
      onError: onAnyError,
      onSuccess: () => setUnreachable(false),
    }),
    mutationCache: new MutationCache({
      onError: (error, _vars, _ctx, mutation) => {
        onAnyError(error);
        if (isUnauthorized(error) || mutation.meta?.silent) return;
        toast({ kind: 'error', title: 'Action failed', body: errorMessage(error) });
      },
      onSuccess: () => setUnreachable(false),
    }),
    defaultOptions: {
      queries: {
        // Live events keep the cache fresh, so nothing needs refetching on a timer or on focus.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => !FINAL.has(errorCode(error) ?? '') && count < 3,
      },
      mutations: { retry: false },
    },
  });
}

declare module '@tanstack/react-query' {
  interface Register {
    mutationMeta: { silent?: boolean };
  }
}
