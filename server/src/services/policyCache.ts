import type { PolicySnapshot } from '@aegis/shared';
import type { Repos } from '../data/repos';

export interface CachedPolicy extends PolicySnapshot {
  name: string;
  version: number;
}

/**
 * Agents' status and rules in memory, so the hot path (`sdk.decide`) reads no configuration from
 * the database. Every change this process makes invalidates the agent's entry; since one server
 * process owns a database, nothing else can change it behind our back.
 */
export class PolicyCache {
  private readonly entries = new Map<string, Promise<CachedPolicy | null>>();

  constructor(private readonly repos: Pick<Repos, 'agents' | 'policies'>) {}

  get(name: string): Promise<CachedPolicy | null> {
    let entry = this.entries.get(name);
    if (!entry) {
      entry = this.load(name);
      this.entries.set(name, entry);
      // Unknown agents are not cached (they may register any moment); neither are failed loads.
      entry.then(
        (value) => value === null && this.entries.get(name) === entry && this.entries.delete(name),
        () => this.entries.get(name) === entry && this.entries.delete(name),
      );
    }
    return entry;
  }

  /** Drop one agent, or everything. */
  invalidate(name?: string): void {
    if (name === undefined) this.entries.clear();
    else this.entries.delete(name);
  }

  private async load(name: string): Promise<CachedPolicy | null> {
    const [agent, rules] = await Promise.all([
      this.repos.agents.findByName(name),
      this.repos.policies.forAgent(name),
    ]);
    if (!agent) return null;
    return {
      name,
      status: agent.status,
      version: agent.policyVersion ?? 0,
      rules: new Map(rules.map((r) => [r.action, r.rule])),
    };
  }
}
