import { isCall, type AuditEntry, type AuditStatus } from '@aegis/shared';
import type { AgentActivity, AuditRepo } from '../data/repos/audit.repo';

/**
 * Per-agent, per-status counts of the audit log, kept in memory so the agent list and the stats
 * cards don't re-aggregate the whole log on every dashboard refresh. Loaded with one aggregate on
 * first use, then advanced by every entry this process writes (one process owns a database).
 * Entries written while the aggregate runs are applied only if the aggregate did not see them,
 * judged by id (ids grow in insertion order).
 */
export class ActivityIndex {
  private byAgent: Map<string, AgentActivity> | null = null;
  private loading: Promise<Map<string, AgentActivity>> | null = null;
  private buffered: AuditEntry[] = [];
  private generation = 0;

  constructor(private readonly audit: Pick<AuditRepo, 'activity'>) {}

  /** Feed every written entry here (from the event bus); only calls are counted (see `isCall`). */
  record(entry: AuditEntry): void {
    if (!isCall(entry)) return;
    if (this.byAgent) add(this.byAgent, entry);
    else if (this.loading) this.buffered.push(entry);
  }

  async all(): Promise<AgentActivity[]> {
    return [...(await this.load()).values()];
  }

  async forAgent(agent: string): Promise<AgentActivity | undefined> {
    return (await this.load()).get(agent);
  }

  async countsByStatus(): Promise<Partial<Record<AuditStatus, number>>> {
    const totals: Partial<Record<AuditStatus, number>> = {};
    for (const a of (await this.load()).values()) {
      for (const [status, n] of Object.entries(a.counts) as Array<[AuditStatus, number]>)
        totals[status] = (totals[status] ?? 0) + n;
    }
    return totals;
  }

  /** Forget everything (after the audit log was wiped). */
  reset(): void {
    this.byAgent = null;
    this.loading = null;
    this.buffered = [];
    this.generation++;
  }

  private load(): Promise<Map<string, AgentActivity>> {
    if (this.byAgent) return Promise.resolve(this.byAgent);
    if (!this.loading) {
      const generation = this.generation;
      this.loading = this.audit.activity().then(({ rows, maxId }) => {
        const map = new Map(rows.map((r) => [r.agent, r]));
        if (generation !== this.generation) return map;
        for (const entry of this.buffered) if (entry.id > maxId) add(map, entry);
        this.buffered = [];
        this.byAgent = map;
        this.loading = null;
        return map;
      });
      this.loading.catch(() => {
        if (generation === this.generation) this.loading = null;
      });
    }
    return this.loading;
  }
}

function add(map: Map<string, AgentActivity>, entry: AuditEntry): void {
  const a = map.get(entry.agent) ?? {
    agent: entry.agent,
    counts: {},
    lastActivityAt: null,
  };
  a.counts[entry.status] = (a.counts[entry.status] ?? 0) + 1;
  const at = new Date(entry.timestamp);
  if (!a.lastActivityAt || at > a.lastActivityAt) a.lastActivityAt = at;
  map.set(entry.agent, a);
}
