import type { ReactNode } from 'react';
import { usePageTitle } from '../hooks/usePageTitle';
import { errorMessage } from '../lib/errors';

/** What QueryState reads of a TanStack query (plain or infinite). */
interface QueryLike {
  isPending: boolean;
  error: unknown;
  data?: unknown;
  isFetching?: boolean;
  refetch?: () => unknown;
}

/**
 * Loading skeleton or error text for a query; renders children once data is there. A query that
 * failed for good has no data and is no longer pending: its children then drew their empty state
 * ("The audit log is empty" while the server was down), so the error is shown instead, with a
 * retry (the page also retries by itself once the live stream is back).
 */
export function QueryState({ query, children, rows = 3 }: { query: QueryLike; children: ReactNode; rows?: number }) {
  if (query.error && query.data === undefined) {
    return (
      <div role="alert" className="flex flex-wrap items-center justify-between gap-2 rounded-xl bg-block-soft p-3 text-sm text-block-ink dark:bg-red-950 dark:text-red-300" data-testid="query-error">
        <span>Couldn’t load this: {errorMessage(query.error)}</span>
        {query.refetch && (
          <button type="button" className="btn btn-ghost px-2.5 py-1" disabled={query.isFetching} onClick={() => void query.refetch?.()}>
            {query.isFetching ? 'Trying…' : 'Try again'}
          </button>
        )}
      </div>
    );
  }
  if (query.isPending) {
    return (
      <div className="space-y-2" aria-busy="true" aria-label="Loading">
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="h-12 animate-pulse rounded-xl bg-neutral-100 dark:bg-neutral-800" />
        ))}
      </div>
    );
  }
  return <>{children}</>;
}

/** The page's heading (focused after navigation, see useNavigationKeys) and the tab's title. */
export function PageHeader({ title, subtitle, actions, docTitle }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; docTitle?: string }) {
  usePageTitle(docTitle ?? (typeof title === 'string' ? title : null));
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 tabIndex={-1} className="text-2xl font-bold tracking-tight break-words focus:outline-none">{title}</h1>
        {subtitle && <p className="mt-1 text-sm muted">{subtitle}</p>}
      </div>
      {actions}
    </div>
  );
}
