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

export function pushLiveEntry(entry: AuditEntry): void {
  liveFeedStore.set((list) => {
    if (list.some((e) => e.id === entry.id)) return list;
    return [entry, ...list].sort((a, b) => b.id - a.id).slice(0, KEEP);
  });
}

/** After a governance reset: the entries shown no longer exist. */
export function clearLiveEntries(): void {
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
