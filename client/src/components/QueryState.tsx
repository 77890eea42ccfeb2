import type { ReactNode } from 'react';
import { usePageTitle } from '../hooks/usePageTitle';
import { errorMessage } from '../lib/errors';

/** Loading skeleton or error text for a query; renders children once data is there. */
export function QueryState({ isPending, error, children, rows = 3 }: { isPending: boolean; error: unknown; children: ReactNode; rows?: number }) {
  if (error && isPending) {
    return (
      <p role="alert" className="rounded-xl bg-block-soft p-3 text-sm text-block-ink dark:bg-red-950 dark:text-red-300">
        Couldn’t load this: {errorMessage(error)}
      </p>
    );
  }
  if (isPending) {
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
