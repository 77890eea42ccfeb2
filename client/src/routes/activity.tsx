import { useEffect, useState } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { Search } from 'lucide-react';
import { useTRPC, type RouterInputs } from '../lib/trpc';
import { liveFeedStore, mergeEntries, type AuditEntry } from '../lib/liveFeed';
import { useStore } from '../lib/store';
import { ActivityFeed } from '../components/ActivityFeed';
import { Cmd, EmptyState } from '../components/EmptyState';
import { PageHeader, QueryState } from '../components/QueryState';
import { DETECTOR_FILTERS } from '../components/FindingChips';

type Status = AuditEntry['status'];
type Source = AuditEntry['source'];
const STATUSES: Status[] = [
  'ALLOWED', 'BLOCKED', 'KILLED', 'PENDING', 'APPROVED', 'DENIED', 'TIMEOUT', 'ERROR',
  'VIOLATION', 'PAUSED', 'RESUMED', 'POLICY', 'ACCESS', 'RESET', 'REVEALED',
];
const SOURCES: Source[] = ['server', 'agent', 'person'];

const CATEGORY: Record<string, readonly string[]> = {
  pii: ['ssn', 'dob', 'email', 'phone'],
  financial: ['card', 'iban', 'routing'],
};

/** The same filter the server applies, for entries that arrive live. */
function matches(e: AuditEntry, agent: string, status: string, source: string, search: string, detector: string): boolean {
  if (detector && !e.findings?.some((f) => f.detector === detector || CATEGORY[detector]?.includes(f.detector) || (detector === 'secret' && isSecret(f.detector)))) return false;
  if (agent && e.agent !== agent) return false;
  if (status && e.status !== status) return false;
  if (source && e.source !== source) return false;
  const q = search.toLowerCase();
  return !q || e.action.toLowerCase().includes(q) || e.details.toLowerCase().includes(q);
}

/** Waits until typing pauses before searching, so each keystroke isn't a request. */
function useDebounced(value: string, ms: number): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

export function ActivityPage() {
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const agent = params.get('agent') ?? '';
  const status = params.get('status') ?? '';
  const source = params.get('source') ?? '';
  const detector = params.get('detector') ?? '';
  const [searchInput, setSearchInput] = useState(params.get('q') ?? '');
  const search = useDebounced(searchInput.trim(), 300);

  const update = (key: string, value: string) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  useEffect(() => update('q', search), [search]);

  const agents = useQuery(trpc.agents.list.queryOptions());
  const input: RouterInputs['audit']['list'] = {
    limit: 50,
    ...(agent && { agent }),
    ...(status && { status: [status as Status] }),
    ...(source && { source: [source as Source] }),
    ...(search && { search }),
    ...(detector && { detector }),
  };
  const log = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  const history = log.data?.pages.flatMap((p) => p.entries) ?? [];
  const live = useStore(liveFeedStore).filter((e) => matches(e, agent, status, source, search, detector));
  const entries = mergeEntries(live, history);
  const filtered = Boolean(agent || status || source || search || detector);

  return (
    <>
      <PageHeader title="Activity" subtitle="The full audit log. New decisions appear at the top as they happen." />
      <div className="mb-4 flex flex-wrap gap-2" role="search">
        <label className="relative min-w-0 flex-1 basis-56">
          <span className="sr-only">Search actions and details</span>
          <Search className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 muted" aria-hidden />
          <input
            type="search"
            className="input w-full pl-8"
            placeholder="Search actions and details"
            value={searchInput}
            onChange={(e) => setSearchInput(e.target.value)}
            maxLength={200}
          />
        </label>
        <select className="input flex-1 sm:flex-none" aria-label="Filter by agent" value={agent} onChange={(e) => update('agent', e.target.value)}>
          <option value="">All agents</option>
          {agents.data?.map((a) => (
            <option key={a.name} value={a.name}>
              {a.name}
            </option>
          ))}
        </select>
        <select className="input flex-1 sm:flex-none" aria-label="Filter by status" value={status} onChange={(e) => update('status', e.target.value)}>
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select className="input flex-1 sm:flex-none" aria-label="Filter by source" value={source} onChange={(e) => update('source', e.target.value)}>
          <option value="">Everyone</option>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {s === 'server' ? 'Decisions' : s === 'agent' ? 'Agent reports' : 'People'}
            </option>
          ))}
        </select>
        <select className="input flex-1 sm:flex-none" aria-label="Filter by sensitive data" value={detector} onChange={(e) => update('detector', e.target.value)}>
          <option value="">Any data</option>
          {DETECTOR_FILTERS.map(([d, label]) => (
            <option key={d} value={d}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <section className="card" aria-label="Audit log">
        <QueryState isPending={log.isPending} error={log.error} rows={6}>
          {entries.length === 0 ? (
            filtered ? (
              <EmptyState title="Nothing matches these filters">Try another agent, status, source or search term.</EmptyState>
            ) : (
              <EmptyState title="The audit log is empty">
                Every tool call an agent attempts is recorded here. Run <Cmd>npm run demo</Cmd> to see some.
              </EmptyState>
            )
          ) : (
            <>
              {/* a fresh install holds only what people did (signing in): point at the demo still */}
              {!filtered && !log.hasNextPage && entries.every((e) => e.source === 'person') && (
                <div className="mb-3">
                  <EmptyState title="No agent has called a tool yet">
                    Every tool call an agent attempts is recorded here, beside what people do. Run <Cmd>npm run demo</Cmd> to see some.
                  </EmptyState>
                </div>
              )}
              <ActivityFeed entries={entries} label="Audit log entries" detailed traces />
            </>
          )}
          {log.hasNextPage && (
            <div className="mt-3 flex justify-center">
              <button type="button" className="btn btn-ghost" disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
                {log.isFetchingNextPage ? 'Loading…' : 'Load older entries'}
              </button>
            </div>
          )}
        </QueryState>
      </section>
    </>
  );
}

/** Secret detectors: anything not personal or financial, except custom ones (named by policy). */
function isSecret(detector: string): boolean {
  return /_(key|token|secret)$/.test(detector) || detector === 'jwt';
}
