import { useRouteError } from 'react-router';
import { CloudOff } from 'lucide-react';
import { EmptyState } from '../components/EmptyState';
import { usePageTitle } from '../hooks/usePageTitle';
import { errorMessage } from '../lib/errors';

/** A page's code split into its own file (the Graph) that the browser could not fetch. */
const isLoadFailure = (error: unknown) =>
  error instanceof Error &&
  /dynamically imported module|preload CSS|Importing a module script failed|Loading chunk/i.test(
    error.message,
  );

/**
 * What a page that failed to render shows, inside the dashboard's frame (the navigation stays).
 * Without it React Router drew its developer screen ("Unexpected Application Error! … Hey
 * developer") over the whole window: opening the Graph while the server was down did that.
 */
export function PageError() {
  const error = useRouteError();
  usePageTitle('Page not loaded');
  const load = isLoadFailure(error);
  return (
    <div role="alert">
      <EmptyState title="This page couldn’t be loaded" icon={CloudOff}>
        <p>
          {load
            ? 'Its code didn’t arrive: the Aegis server is unreachable, or was updated since this tab opened.'
            : `It stopped on an error: ${errorMessage(error)}`}
        </p>
        <button
          type="button"
          className="btn btn-primary mt-3"
          onClick={() => window.location.reload()}
        >
          Reload the page
        </button>
      </EmptyState>
    </div>
  );
}
