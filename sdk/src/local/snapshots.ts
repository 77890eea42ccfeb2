import { decide, rulesFromLists, type ChangeEvent, type PolicySnapshot, type PolicyVerdict } from '@aegis/shared';
import type { AegisApi } from '../transport';
import type { AgentSnapshot } from '../types';

interface Entry extends PolicySnapshot {
  version: number;
}

/**
 * Local mode's copy of each agent's kill-switch and policy. Status events apply directly (the
 * kill-switch must bite on the very next call); a policy change re-reads that agent's snapshot.
 */
export class SnapshotCache {
  private readonly agents = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(
    private readonly api: AegisApi,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {}

  /** The agent's snapshot, fetched on first use. */
  async get(agent: string): Promise<Entry> {
    return this.agents.get(agent) ?? (await this.load(agent));
  }

  /** Re-reads one agent's snapshot from the server (deduplicating concurrent loads). */
  load(agent: string): Promise<Entry> {
    const inFlight = this.loading.get(agent);
    if (inFlight) return inFlight;
    const task = this.api.sdk.snapshot
      .query({ agents: [agent] })
      .then(({ agents }) => {
        const snapshot = agents[0];
        if (!snapshot) throw new Error(`The server returned no snapshot for agent "${agent}"`);
        const entry = toEntry(snapshot);
        this.agents.set(agent, entry);
        return entry;
      })
      .finally(() => this.loading.delete(agent));
    this.loading.set(agent, task);
    return task;
  }

  /** Re-reads every known agent, e.g. after the stream reconnects and events may have been missed. */
  refreshAll(): void {
    for (const agent of this.agents.keys()) this.load(agent).catch(this.onBackgroundError);
  }

  apply(event: ChangeEvent): void {
    if (event.type === 'agent.status') {
      const entry = this.agents.get(event.agent);
      if (entry) entry.status = event.status;
    } else if (event.type === 'policy.changed' && this.agents.has(event.agent)) {
      this.load(event.agent).catch(this.onBackgroundError);
    }
  }

  /** The pure decision, as the server would make it from the same snapshot. */
  decide(entry: Entry, action: string): PolicyVerdict {
    return decide(entry, action);
  }
}

function toEntry(snapshot: AgentSnapshot): Entry {
  return { status: snapshot.status, rules: rulesFromLists(snapshot.policy), version: snapshot.policy.version };
}
