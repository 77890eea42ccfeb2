import type { AuditEntry } from '@aegis/shared';

/** Distinct (agent, tool, status or detector) remembered; past this the memory starts over. */
const REMEMBERED_LIMIT = 10_000;

/**
 * Which audited calls should bring governance's evaluation forward: only those that show it
 * something it has not seen since this server started — a tool's first blocked or held call, a
 * detector's first finding on a tool. The rules read whether a tool was ever blocked or ever
 * carried a kind of data (all history), so the hundredth SSN through the same tool changes
 * nothing an evaluation would find; evaluating anyway re-read the agent's whole audit log once a
 * second for as long as sensitive traffic flowed (tens of ms of server CPU per call). What time
 * alone changes, the periodic evaluation picks up.
 */
export class GovernanceTriggers {
  private readonly seen = new Set<string>();

  /** Whether this entry is news to governance (and remembers it, so its repeats are not). */
  isNews(entry: Pick<AuditEntry, 'agent' | 'action' | 'status' | 'findings'>): boolean {
    let news = false;
    if (entry.status === 'BLOCKED' || entry.status === 'PENDING')
      news = this.remember(entry.agent, entry.action, `status:${entry.status}`);
    for (const f of entry.findings ?? [])
      news = this.remember(entry.agent, entry.action, `dlp:${f.detector}`) || news;
    return news;
  }

  /** After a reset the audit log no longer holds what was seen: everything is news again. */
  forget(): void {
    this.seen.clear();
  }

  private remember(agent: string, action: string, what: string): boolean {
    const key = `${agent}\u0000${action}\u0000${what}`;
    if (this.seen.has(key)) return false;
    if (this.seen.size >= REMEMBERED_LIMIT) this.seen.clear();
    this.seen.add(key);
    return true;
  }
}
