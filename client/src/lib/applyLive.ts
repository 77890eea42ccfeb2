import { useEffect, useMemo, useRef } from 'react';
import type { QueryClient } from '@tanstack/react-query';
import { isCall, type ChangeEvent } from '@aegis/shared';
import type { useTRPC } from './trpc';
import { clearLiveEntries, pushLiveEntry, type AuditEntry } from './liveFeed';
import { toast as showToast } from './toasts';

export type Trpc = ReturnType<typeof useTRPC>;

/** Collapses bursts of events into one refetch per key, so a busy agent doesn't flood the server. */
export function useBatchedInvalidate(queryClient: QueryClient) {
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

/**
 * What a change event changes on screen. `quiet`: an event the stream replayed when it started
 * (it happened while the page loaded): applied, but not announced with a toast.
 */
export function applyChange(
  event: ChangeEvent,
  trpc: Trpc,
  qc: QueryClient,
  invalidate: (k: readonly unknown[]) => void,
  quiet = false,
) {
  const toast = quiet ? () => undefined : showToast;
  switch (event.type) {
    case 'approval.created': {
      const a = event.approval;
      qc.setQueryData(trpc.approvals.pending.queryKey(), (list) =>
        list && !list.some((x) => x.id === a.id) ? [...list, a] : list,
      );
      toast({
        kind: 'approval',
        title: `${a.agent} wants to run ${a.action}`,
        body: 'Waiting for your review',
        href: '/approvals',
      });
      break;
    }
    case 'approval.decided': {
      const a = event.approval;
      // Still pending (a quorum vote, a caller waiting longer): the card stays, updated.
      qc.setQueryData(trpc.approvals.pending.queryKey(), (list) =>
        a.status === 'PENDING'
          ? list?.map((x) => (x.id === a.id ? a : x))
          : list?.filter((x) => x.id !== a.id),
      );
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
    case 'policy.global.changed':
      invalidate(trpc.policies.pathKey());
      break;
    case 'governance.reset':
      // Everything shown was deleted: drop the live entries and refetch every page's data.
      clearLiveEntries();
      void qc.invalidateQueries();
      break;
    case 'proposal.created':
      invalidate(trpc.policies.proposals.pathKey());
      toast({
        kind: 'approval',
        title: `${event.agent} asks for a looser policy`,
        body: 'An admin decides on the Approvals page',
        href: '/approvals',
      });
      break;
    case 'proposal.decided':
      invalidate(trpc.policies.proposals.pathKey());
      break;
    case 'anomaly.detected':
      invalidate(trpc.analytics.anomalies.pathKey());
      toast({
        kind: 'approval',
        title: `Anomaly: ${event.anomaly.agent} · ${event.anomaly.action}`,
        body: event.anomaly.summary,
        href: `/analytics?anomaly=${encodeURIComponent(event.anomaly.id)}`,
      });
      break;
    case 'governance.changed':
      invalidate(trpc.governance.pathKey());
      break;
  }
  invalidate(trpc.stats.get.queryKey());
}

/** What an audit entry pushed over SSE changes on screen. */
export function applyEntry(
  entry: AuditEntry,
  trpc: Trpc,
  invalidate: (k: readonly unknown[]) => void,
) {
  pushLiveEntry(entry);
  invalidate(trpc.stats.pathKey());
  invalidate(trpc.agents.list.queryKey());
  invalidate(trpc.agents.byName.queryKey({ name: entry.agent }));
  // the Agents pages count a range's calls from the rollups, which count only calls
  if (isCall(entry)) invalidate(trpc.analytics.decisions.pathKey());
  // a key made or revoked elsewhere (the CLI, another admin) shows on an open API keys page
  if (entry.action === 'aegis:key-create' || entry.action === 'aegis:key-revoke')
    invalidate(trpc.keys.list.queryKey());
}
