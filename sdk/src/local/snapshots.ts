import {
  compileEffective,
  compilePolicyOrThrow,
  type AgentStatus,
  type ChangeEvent,
  type CompiledPolicy,
  type PolicySet,
} from '@aegis/shared';
import type { AegisApi } from '../transport';
import type { AgentSnapshot } from '../types';

export interface Entry {
  status: AgentStatus;
  version: number;
  owner: string;
  labels: Readonly<Record<string, string>>;
  /** The agent's rule document + lists + the global rules selecting it, compiled as the server does. */
  set: PolicySet;
  /** The on: result rules and custom detectors (compiled), when the agent has any. */
  resultPolicy: CompiledPolicy | null;
  /** The tags the agent declared per tool: rules see them on every call, as on the server. */
  toolTags: ReadonlyMap<string, readonly string[]>;
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

  /**
   * The agent's snapshot, fetched on first use. While a re-read is in flight (a policy change was
   * announced) decisions wait for it, so none is made from a policy known to be outdated; if the
   * re-read fails, the previous snapshot stands until the stream goes stale.
   */
  async get(agent: string): Promise<Entry> {
    const current = this.agents.get(agent);
    const inFlight = this.loading.get(agent);
    if (inFlight) return current ? inFlight.catch(() => current) : inFlight;
    return current ?? (await this.load(agent));
  }

  /**
   * What {@link get} would resolve to at once, without a promise: the loaded snapshot when no
   * re-read is in flight; undefined otherwise (then `get` it).
   */
  ready(agent: string): Entry | undefined {
    return this.loading.has(agent) ? undefined : this.agents.get(agent);
  }

  /**
   * Re-reads one agent's snapshot. Concurrent reads are shared, unless the caller needs a newer
   * policy version than the one in flight returns (a change announced while it was on its way).
   */
  load(agent: string, minVersion = 0): Promise<Entry> {
    const inFlight = this.loading.get(agent);
    const task = inFlight
      ? inFlight
          .catch(() => undefined)
          .then((e) => (e && e.version >= minVersion ? e : this.fetch(agent)))
      : this.fetch(agent);
    this.loading.set(agent, task);
    const forget = () => {
      if (this.loading.get(agent) === task) this.loading.delete(agent);
    };
    task.then(forget, forget);
    return task;
  }

  private async fetch(agent: string): Promise<Entry> {
    const { agents } = await this.api.sdk.snapshot.query({ agents: [agent] });
    const snapshot = agents[0];
    if (!snapshot) throw new Error(`The server returned no snapshot for agent "${agent}"`);
    const entry = toEntry(agent, snapshot);
    const known = this.agents.get(agent);
    // A slower, older read must not undo a newer one.
    if (!known || entry.version >= known.version) this.agents.set(agent, entry);
    return this.agents.get(agent) ?? entry;
  }

  /** Re-reads every known agent, e.g. after the stream reconnects and events may have been missed. */
  refreshAll(): void {
    for (const agent of this.agents.keys()) this.load(agent).catch(this.onBackgroundError);
  }

  apply(event: ChangeEvent): void {
    if (event.type === 'agent.status') {
      const entry = this.agents.get(event.agent);
      if (entry) entry.status = event.status;
    } else if (event.type === 'policy.global.changed') {
      // every agent's policy includes the global one
      this.refreshAll();
    } else if (event.type === 'policy.changed') {
      const entry = this.agents.get(event.agent);
      if (entry && event.version > entry.version)
        this.load(event.agent, event.version).catch(this.onBackgroundError);
    }
  }

  /** The agent's current snapshot, if loaded (no fetch). */
  peek(agent: string): Entry | undefined {
    return this.agents.get(agent);
  }
}

/**
 * Compiles a snapshot the way the server compiles the agent's policy (`compileEffective`). From a
 * server that sends no rule documents, the lists it sends are its seed reading — an action a
 * condition could decide reads as REVIEW there — so such actions go to the server.
 */
function toEntry(agent: string, snapshot: AgentSnapshot): Entry {
  const { rules, policy } = snapshot;
  const version = rules?.version ?? policy.version;
  // The server compiled and checked these when they were saved; a failure here is a server bug.
  const set = compileEffective({
    agent,
    agentVersion: version,
    document: rules?.document ?? null,
    lists: rules?.lists ?? policy,
    global: rules?.global.document ? { document: rules.global.document, version: rules.global.version } : null,
  });
  return {
    status: snapshot.status,
    version,
    owner: rules?.owner ?? '',
    labels: rules?.labels ?? {},
    set,
    resultPolicy: snapshot.resultPolicy ? compilePolicyOrThrow(snapshot.resultPolicy) : null,
    toolTags: new Map(
      Object.entries(rules?.toolTags ?? {}).filter(([, tags]) => tags.length > 0),
    ),
  };
}
