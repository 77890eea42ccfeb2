import { useEffect, useMemo, useRef } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import type { ChangeEvent } from '@aegis/shared';
import { useTRPC } from '../lib/trpc';
import { setStream, type StreamState } from '../lib/connection';
import { clearLiveEntries, pushLiveEntry } from '../lib/liveFeed';
import { toast } from '../lib/toasts';
import { isUnauthorized } from '../lib/errors';
import { usePageVisible } from '../hooks/usePageVisible';

type Trpc = ReturnType<typeof useTRPC>;

/** Collapses bursts of events into one refetch per key, so a busy agent doesn't flood the server. */
function useBatchedInvalidate(queryClient: QueryClient) {
  const pending = useRef(new Map<string, readonly unknown[]>());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useMemo(
    () => (queryKey: readonly unknown[]) => {
      pending.current.set(JSON.stringify(queryKey), queryKey);
      timer.current ??= setTimeout(() => {
        timer.current = null;
        const keys = [...pending.current.values()];
        pending.current.clear();
        for (const key of keys) void queryClient.invalidateQueries({ queryKey: key });
      }, 250);
    },
    [queryClient],
  );
}

function applyChange(event: ChangeEvent, trpc: Trpc, qc: QueryClient, invalidate: (k: readonly unknown[]) => void) {
  switch (event.type) {
    case 'approval.created': {
      const a = event.approval;
      qc.setQueryData(trpc.approvals.pending.queryKey(), (list) =>
        list && !list.some((x) => x.id === a.id) ? [...list, a] : list,
      );
      toast({ kind: 'approval', title: `${a.agent} wants to run ${a.action}`, body: 'Waiting for your review', href: '/approvals' });
      break;
    }
    case 'approval.decided': {
      const a = event.approval;
      qc.setQueryData(trpc.approvals.pending.queryKey(), (list) => list?.filter((x) => x.id !== a.id));
      invalidate(trpc.approvals.list.pathKey());
      break;
    }
    case 'agent.status':
      qc.setQueryData(trpc.agents.list.queryKey(), (list) =>
        list?.map((x) => (x.name === event.agent ? { ...x, status: event.status } : x)),
      );
      qc.setQueryData(trpc.agents.byName.queryKey({ name: event.agent }), (d) =>
        d ? { ...d, agent: { ...d.agent, status: event.status } } : d,
      );
      break;
    case 'agent.registered':
      invalidate(trpc.agents.list.queryKey());
      break;
    case 'policy.changed':
      invalidate(trpc.agents.byName.queryKey({ name: event.agent }));
      invalidate(trpc.policies.pathKey());
      break;
    case 'governance.reset':
      // Everything shown was deleted: drop the live entries and refetch every page's data.
      clearLiveEntries();
      void qc.invalidateQueries();
      break;
    case 'proposal.created':
      invalidate(trpc.policies.proposals.pathKey());
      toast({ kind: 'approval', title: `${event.agent} asks for a looser policy`, body: 'An admin decides on the Approvals page', href: '/approvals' });
      break;
    case 'proposal.decided':
      invalidate(trpc.policies.proposals.pathKey());
      break;
  }
  invalidate(trpc.stats.get.queryKey());
}

function streamState(state: { state: string; error: unknown }): StreamState {
  if (state.state === 'pending') return 'connected';
  return state.error ? 'reconnecting' : 'connecting';
}

/**
 * The dashboard's two SSE streams, opened once for the whole app: change events and audit
 * entries update the TanStack Query cache in place (or invalidate what they affect), so nothing
 * polls. tRPC resends the last tracked event id when a stream reconnects, so none are missed.
 *
 * Hidden tabs close their streams: browsers allow only six HTTP/1.1 connections per server, and
 * a few forgotten tabs holding two streams each would otherwise starve the visible one. A tab
 * that comes back reopens them and refreshes everything once.
 */
export function LiveSync({ onUnauthorized }: { onUnauthorized: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const invalidate = useBatchedInvalidate(qc);
  const connectedOnce = useRef({ changes: false, audit: false });
  const visible = usePageVisible();

  const onStarted = (name: 'changes' | 'audit') => () => {
    setStream(name, 'connected');
    // After a reconnect, derived numbers (stats, counts) may have moved: refresh them once.
    if (connectedOnce.current[name]) void qc.invalidateQueries();
    connectedOnce.current[name] = true;
  };
  const onError = (error: unknown) => {
    if (isUnauthorized(error)) onUnauthorized();
  };

  useSubscription(
    trpc.changes.onChange.subscriptionOptions(undefined, {
      enabled: visible,
      onStarted: onStarted('changes'),
      onData: ({ data }) => applyChange(data, trpc, qc, invalidate),
      onError,
      onConnectionStateChange: (s) => setStream('changes', streamState(s)),
    }),
  );

  useSubscription(
    trpc.audit.onEntry.subscriptionOptions(undefined, {
      enabled: visible,
      onStarted: onStarted('audit'),
      onData: ({ data }) => {
        pushLiveEntry(data);
        invalidate(trpc.stats.pathKey());
        invalidate(trpc.agents.list.queryKey());
        invalidate(trpc.agents.byName.queryKey({ name: data.agent }));
      },
      onError,
      onConnectionStateChange: (s) => setStream('audit', streamState(s)),
    }),
  );

  return null;
}
