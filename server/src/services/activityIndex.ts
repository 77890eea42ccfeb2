import { isCall, type AuditEntry, type AuditStatus, type ToolUsage } from '@aegis/shared';
import type { AgentActivity, AuditRepo } from '../data/repos/audit.repo';
import type { RollupsRepo } from '../data/repos/rollups.repo';

/** The analytics rollups, when this server keeps them (`settled`: its own entries are in them). */
export interface ActivityRollups {
  repo: Pick<RollupsRepo, 'current' | 'agentFacts' | 'toolFacts'>;
  settled: () => Promise<void>;
}

/**
 * Per-agent, per-status counts of the audit log, for the agent list and the stats cards. Read
 * from the rollups' all-time facts per agent when they are kept and current (one small document
 * per agent, right with several servers on one database). Otherwise kept in memory: loaded with
 * one aggregate on first use — which reads the whole log — then advanced by every entry this
 * process writes. Entries written while the aggregate runs are applied only if the aggregate did
 * not see them, judged by id (ids grow in insertion order).
 */
export class ActivityIndex {
  private byAgent: Map<string, AgentActivity> | null = null;
  private loading: Promise<Map<string, AgentActivity>> | null = null;
  private buffered: AuditEntry[] = [];
  private generation = 0;

  constructor(
    private readonly audit: Pick<AuditRepo, 'activity' | 'toolsUsed'>,
    private readonly rollups: ActivityRollups | null = null,
  ) {}

  /** Feed every written entry here (from the event bus); only calls are counted (see `isCall`). */
  record(entry: AuditEntry): void {
    if (!isCall(entry)) return;
    if (this.byAgent) add(this.byAgent, entry);
    else if (this.loading) this.buffered.push(entry);
  }

  async all(): Promise<AgentActivity[]> {
    return [...(await this.current()).values()];
  }

  async forAgent(agent: string): Promise<AgentActivity | undefined> {
    return (await this.current()).get(agent);
  }

  async countsByStatus(): Promise<Partial<Record<AuditStatus, number>>> {
    const totals: Partial<Record<AuditStatus, number>> = {};
    for (const a of (await this.current()).values()) {
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

  /** The actions an agent called, most used first (its calls only). */
  async toolsUsed(agent: string): Promise<ToolUsage[]> {
    if (!this.rollups || !(await this.rollups.repo.current())) return this.audit.toolsUsed(agent);
    await this.rollups.settled();
    return (await this.rollups.repo.toolFacts([agent]))
      .map((doc) => ({
        action: doc.x,
        count: Object.values((doc.v as Record<string, number> | undefined) ?? {}).reduce(
          (n, c) => n + c,
          0,
        ),
        lastUsedAt: (doc.last ?? doc.first ?? new Date(0)).toISOString(),
      }))
      .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action));
  }

  private async current(): Promise<Map<string, AgentActivity>> {
    if (this.rollups && (await this.rollups.repo.current())) {
      await this.rollups.settled();
      const map = new Map<string, AgentActivity>();
      for (const doc of await this.rollups.repo.agentFacts())
        map.set(doc.a, {
          agent: doc.a,
          counts: { ...((doc.v as Partial<Record<AuditStatus, number>> | undefined) ?? {}) },
          lastActivityAt: doc.last ?? null,
        });
      return map;
    }
    return this.load();
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
