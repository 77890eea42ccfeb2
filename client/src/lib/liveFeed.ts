import { signInActions } from '@aegis/shared';
import type { RouterOutputs } from './trpc';
import { createStore } from './store';

export type AuditEntry = RouterOutputs['audit']['list']['entries'][number];

const KEEP = 300;

/**
 * Audit entries pushed over SSE since the dashboard opened, newest first. Feeds on every page
 * read from here, so one stream serves them all (browsers allow few connections per origin).
 */
export const liveFeedStore = createStore<AuditEntry[]>([]);

/**
 * How long arrivals gather before the feed changes. Each change re-renders every page reading the
 * feed (Activity draws up to 300 rows), so an entry at a time froze the page for minutes under a
 * burst (530 local records reported at once: ~200 s at 1280 px); a batch per tick is one render.
 */
const GATHER_MS = 100;
let arriving: AuditEntry[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

export function pushLiveEntry(entry: AuditEntry): void {
  arriving.push(entry);
  // Only the newest KEEP can be shown: a long burst in a background tab stays bounded.
  if (arriving.length > 2 * KEEP) arriving = newestFirst(arriving).slice(0, KEEP);
  flushTimer ??= setTimeout(flushLiveEntries, GATHER_MS);
}

/** Adds what arrived since the last flush to the feed, in one change. */
export function flushLiveEntries(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  const batch = arriving;
  arriving = [];
  if (batch.length === 0) return;
  liveFeedStore.set((list) => {
    const ids = new Set(list.map((e) => e.id));
    const fresh: AuditEntry[] = [];
    for (const e of batch) {
      if (ids.has(e.id)) continue;
      ids.add(e.id);
      fresh.push(e);
    }
    return fresh.length === 0 ? list : newestFirst([...fresh, ...list]).slice(0, KEEP);
  });
}

const newestFirst = (entries: AuditEntry[]) => entries.sort((a, b) => b.id - a.id);

/** After a governance reset: the entries shown no longer exist. */
export function clearLiveEntries(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  arriving = [];
  liveFeedStore.set(() => []);
}

/** Merges loaded history with live arrivals: live entries newer than the page's history go on top. */
export function mergeEntries(live: AuditEntry[], history: AuditEntry[]): AuditEntry[] {
  const seen = new Set(history.map((e) => e.id));
  const newest = history[0]?.id ?? 0;
  const fresh = live.filter((e) => e.id > newest && !seen.has(e.id));
  return [...fresh, ...history];
}

/** What a person signing in or out leaves in the log (keys made or revoked are not these). */
const SIGN_IN_ACTIONS: ReadonlySet<string> = new Set(signInActions);

/**
 * A sign-in or sign-out: on record, but every dashboard visit makes one, so in a live feed they
 * crowd out the agents' decisions that feed is watched for.
 */
export function isSignIn(entry: Pick<AuditEntry, 'status' | 'action'>): boolean {
  return entry.status === 'ACCESS' && SIGN_IN_ACTIONS.has(entry.action);
}

/** The first `limit` entries, sign-ins left out unless asked for, and how many were left out. */
export function feedOf(
  entries: readonly AuditEntry[],
  limit: number,
  withSignIns: boolean,
): { shown: AuditEntry[]; signIns: number } {
  const signIns = entries.filter(isSignIn).length;
  const kept = withSignIns ? entries : entries.filter((e) => !isSignIn(e));
  return { shown: kept.slice(0, limit), signIns };
}
