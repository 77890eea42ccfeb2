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
