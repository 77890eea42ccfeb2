import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../lib/trpc';
import { feedOf, liveFeedStore, mergeEntries } from '../lib/liveFeed';
import { useStore } from '../lib/store';
import { ActivityFeed } from './ActivityFeed';
import { Cmd, EmptyState } from './EmptyState';
import { QueryState } from './QueryState';

const SHOWN = 15;
/** Read more than are shown, so a run of sign-ins left out still leaves a full feed. */
const READ = 60;

/**
 * The Overview's live feed: agents' decisions and what people did, newest first. Sign-ins are
 * left out by default (each dashboard visit makes one, and a team signing in buried the
 * decisions); a toggle with their count keeps them one click away, and the full log has them all.
 */
export function LiveActivity({ carry }: { carry: string }) {
  const trpc = useTRPC();
  const recent = useQuery(trpc.audit.list.queryOptions({ limit: READ }));
  const live = useStore(liveFeedStore);
  const [withSignIns, setWithSignIns] = useState(false);
  const { shown, signIns } = feedOf(
    mergeEntries(live, recent.data?.entries ?? []),
    SHOWN,
    withSignIns,
  );
  return (
    <section className="card" aria-labelledby="feed-title">
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h2 id="feed-title" className="font-bold">
          Live activity
        </h2>
        <div className="flex items-center gap-3 text-sm">
          {signIns > 0 && (
            <button
              type="button"
              className="text-xs font-semibold underline-offset-2 hover:underline"
              aria-pressed={withSignIns}
              onClick={() => setWithSignIns((v) => !v)}
              data-testid="sign-ins-toggle"
            >
              {withSignIns ? 'Hide' : 'Show'} {signIns} sign-in{signIns === 1 ? '' : 's'}
            </button>
          )}
          <Link
            to={`/activity${carry}`}
            className="font-semibold underline-offset-2 hover:underline"
          >
            Full log
          </Link>
        </div>
      </div>
      <QueryState query={recent}>
        {shown.length === 0 ? (
          <EmptyState title="No activity yet">
            Decisions appear here the moment an agent calls a tool. Try <Cmd>npm run demo</Cmd>.
          </EmptyState>
        ) : (
          <ActivityFeed entries={shown} label="Live activity" />
        )}
      </QueryState>
    </section>
  );
}
