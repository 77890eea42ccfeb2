import { useEffect, useMemo, useState } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { Download, Eye, EyeOff, Search } from 'lucide-react';
import { AUDIT_COUNT_CAP } from '@aegis/shared';
import { useTRPC, type RouterInputs } from '../lib/trpc';
import {
  exportHref,
  isFiltered,
  listInput,
  matchesFilter,
  pinnedActivitySearch,
  readActivityFilter,
  type ActivityUrlFilter,
} from '../lib/activityFilter';
import { MultiSelect } from '../components/MultiSelect';
import { CopyLink } from '../components/CopyLink';
import { RangePicker } from '../components/RangePicker';
import { isSignIn, liveFeedStore, mergeEntries, type AuditEntry } from '../lib/liveFeed';
import { useStore } from '../lib/store';
import { ActivityFeed } from '../components/ActivityFeed';
import { Cmd, EmptyState } from '../components/EmptyState';
import { PageHeader, QueryState } from '../components/QueryState';
import { DETECTOR_FILTERS } from '../components/FindingChips';

type ListInput = RouterInputs['audit']['list'];
type Status = AuditEntry['status'];
type Source = AuditEntry['source'];
const STATUSES: Status[] = [
  'ALLOWED', 'BLOCKED', 'KILLED', 'PENDING', 'APPROVED', 'DENIED', 'TIMEOUT', 'ERROR',
  'VIOLATION', 'PAUSED', 'RESUMED', 'POLICY', 'ACCESS', 'RESET', 'REVEALED',
];
const SOURCES: Array<{ value: Source; label: string }> = [
  { value: 'server', label: 'Decisions' },
  { value: 'agent', label: 'Agent reports' },
  { value: 'person', label: 'People' },
];

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
  const [searchInput, setSearchInput] = useState(params.get('q') ?? '');
  const search = useDebounced(searchInput.trim(), 300);
  // keyed on the URL text: a preset range's start is computed once per URL, not per render
  const key = params.toString();
  const filter = useMemo(() => readActivityFilter(params), [key]);

  // Each filter change is a step of its own in the browser's history, so Back undoes it rather
  // than leaving the page; a search, which changes as one types, refines its own step in place.
  const update = (name: string, value: string | string[]) => {
    const text = Array.isArray(value) ? value.join(',') : value;
    if ((params.get(name) ?? '') === text) return;
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (text) next.set(name, text);
        else next.delete(name);
        return next;
      },
      { replace: name === 'q' && params.has('q') },
    );
  };
  useEffect(() => update('q', search), [search]);
  // Back or Forward to another search: the box shows it (not when the URL only caught up with typing).
  const urlSearch = params.get('q') ?? '';
  useEffect(() => {
    if (urlSearch !== search) setSearchInput(urlSearch);
  }, [urlSearch]);

  const agents = useQuery(trpc.agents.list.queryOptions());
  const input = listInput(filter);
  const log = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  const history = log.data?.pages.flatMap((p) => p.entries) ?? [];
  const liveAll = useStore(liveFeedStore);
  const live = liveAll.filter((e) => matchesFilter(e, filter));
  const entries = mergeEntries(live, history);
  const filtered = isFiltered(filter);
  const signIns = useSignInCount(filter, liveAll);
  const total = useTotal(input, live);

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
            placeholder="Search actions, reasons, args"
            value={searchInput}
            onChange={(e) => setSearchInput(e.target.value)}
            maxLength={200}
          />
        </label>
        <MultiSelect
          label="Filter by agent"
          none="All agents"
          options={(agents.data ?? []).map((a) => ({ value: a.name, label: a.name }))}
          selected={filter.agents}
          onChange={(v) => update('agent', v)}
        />
        <MultiSelect
          label="Filter by status"
          none="All statuses"
          options={STATUSES.map((s) => ({ value: s, label: s }))}
          selected={filter.statuses}
          onChange={(v) => update('status', v)}
        />
        <MultiSelect label="Filter by source" none="Everyone" options={SOURCES} selected={filter.sources} onChange={(v) => update('source', v)} />
        <select className="input flex-1 sm:w-40 sm:flex-none" aria-label="Filter by sensitive data" value={filter.detector} onChange={(e) => update('detector', e.target.value)}>
          <option value="">Any data</option>
          {/* a detector the list doesn't name (a secret's, a custom one, from an Overview chip): the menu still says what filters */}
          {filter.detector && !DETECTOR_FILTERS.some(([d]) => d === filter.detector) && <option value={filter.detector}>{filter.detector}</option>}
          {DETECTOR_FILTERS.map(([d, label]) => (
            <option key={d} value={d}>
              {label}
            </option>
          ))}
        </select>
        <RangePicker allowAll />
      </div>
      <div className="mb-4 flex flex-wrap items-center gap-2 text-sm">
        <SignInsToggle
          count={signIns}
          shown={filter.signIns}
          onChange={(show) => update('signins', show ? 'include' : '')}
        />
        {filter.action && <FilterChip label={`action: ${filter.action}`} onClear={() => update('action', '')} />}
        {filter.rule && <FilterChip label={`rule: ${filter.rule}`} onClear={() => update('rule', '')} />}
        {filter.run && <FilterChip label={`run: ${filter.run}`} onClear={() => update('run', '')} />}
        {entries.length > 0 && <ShownOfTotal shown={entries.length} total={total} />}
        <span className="flex-1" />
        <CopyLink
          link={() => `${window.location.origin}/activity?${pinnedActivitySearch(params, filter.from).toString()}`}
          what="The same filters with the time pinned to now: whoever opens it sees these entries, not newer ones."
        />
        <span className="muted">Export this filter:</span>
        <a className="btn btn-ghost" href={exportHref(params, 'csv')} download data-testid="export-csv">
          <Download className="size-4" aria-hidden /> CSV
        </a>
        <a className="btn btn-ghost" href={exportHref(params, 'json')} download data-testid="export-json">
          <Download className="size-4" aria-hidden /> JSON
        </a>
      </div>
      <section className="card" aria-label="Audit log">
        <QueryState query={log} rows={6}>
          {entries.length === 0 ? (
            filtered || signIns.count > 0 ? (
              !filtered ? (
                <EmptyState title="No agent has called a tool yet">
                  Only sign-ins so far, left out above. Run <Cmd>npm run demo</Cmd> to see agents’ calls.
                </EmptyState>
              ) : (
              <EmptyState title="Nothing matches these filters">Try another agent, status, source, time range or search word (whole words: “customer” finds customer_id).</EmptyState>
              )
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

/**
 * How many entries the filter holds (`audit.count`: through an index, or at most
 * AUDIT_COUNT_CAP read), plus those that arrived live since it was counted; null until known.
 */
function useTotal(input: ListInput, live: readonly AuditEntry[]): { count: number; exact: boolean } | null {
  const trpc = useTRPC();
  const { limit: _limit, cursor: _cursor, ...filter } = input;
  const counted = useQuery(trpc.audit.count.queryOptions(filter));
  if (!counted.data) return null;
  const { count, exact, throughId } = counted.data;
  return { count: count + live.filter((e) => e.id > throughId).length, exact };
}

/** "1–50 of 2,318 entries", or "of more than 10,000" where counting stopped. */
function ShownOfTotal({ shown, total }: { shown: number; total: { count: number; exact: boolean } | null }) {
  const n = (x: number) => x.toLocaleString('en-US');
  if (!total) return null;
  return (
    <span
      className="muted"
      data-testid="activity-count"
      title={total.exact ? undefined : `Counting stops at ${n(AUDIT_COUNT_CAP)} entries: narrow the filter (an agent, a status, a time range) for an exact count`}
    >
      {total.exact
        ? `1–${n(Math.min(shown, total.count))} of ${n(total.count)} ${total.count === 1 ? 'entry' : 'entries'}`
        : `1–${n(shown)} of more than ${n(AUDIT_COUNT_CAP)} entries (not counted further)`}
    </span>
  );
}

/** Sign-ins counted beyond this read as "100+": a count needs no more than a page of them. */
const SIGN_IN_COUNT = 100;

/**
 * How many dashboard sign-ins the filter holds (they are left out unless asked for), live ones
 * included; `more` when there are more than were counted.
 */
function useSignInCount(filter: ActivityUrlFilter, liveAll: readonly AuditEntry[]): { count: number; more: boolean } {
  const trpc = useTRPC();
  const page = useQuery(trpc.audit.list.queryOptions(listInput(filter, SIGN_IN_COUNT, 'only')));
  const withThem = { ...filter, signIns: true };
  const live = liveAll.filter((e) => isSignIn(e) && matchesFilter(e, withThem));
  return { count: mergeEntries(live, page.data?.entries ?? []).length, more: Boolean(page.data?.nextCursor) };
}

/**
 * Shows or hides the sign-ins (in the URL), saying how many there are: they are left out, never
 * dropped unseen.
 */
function SignInsToggle({ count, shown, onChange }: { count: { count: number; more: boolean }; shown: boolean; onChange: (show: boolean) => void }) {
  if (count.count === 0 && !shown) return null;
  const n = `${count.count}${count.more ? '+' : ''}`;
  return (
    <button
      type="button"
      className="btn btn-ghost"
      aria-pressed={shown}
      onClick={() => onChange(!shown)}
      title={shown ? 'Leave out dashboard sign-ins and sign-outs' : 'Dashboard sign-ins and sign-outs are left out of the list'}
      data-testid="sign-ins-toggle"
    >
      {shown ? <EyeOff className="size-4" aria-hidden /> : <Eye className="size-4" aria-hidden />}
      {shown ? 'Hide' : 'Show'} {n} sign-in{n === '1' ? '' : 's'}
    </button>
  );
}

/** An active filter that has no control of its own (set by a link): shown, and removable. */
function FilterChip({ label, onClear }: { label: string; onClear: () => void }) {
  return (
    <span className="inline-flex items-center gap-1 rounded-full bg-neutral-100 px-2.5 py-0.5 font-mono text-xs dark:bg-neutral-800">
      {label}
      <button type="button" className="rounded-full px-1 hover:bg-neutral-200 dark:hover:bg-neutral-700" aria-label={`Remove filter ${label}`} onClick={onClear}>
        ×
      </button>
    </span>
  );
}
