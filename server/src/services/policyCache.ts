import {
  compileEffective,
  compilePolicyOrThrow,
  listsFromRules,
  type AgentPolicyDocument,
  type AgentStatus,
  type CompiledPolicy,
  type GlobalPolicyDocument,
  type PolicyAgent,
  type PolicyLists,
  type PolicySet,
  type RuleType,
} from '@aegis/shared';
import type { Repos } from '../data/repos';
import { GLOBAL_POLICY } from '../data/repos/policyHistory.repo';

export interface CachedGlobal {
  version: number;
  document: GlobalPolicyDocument | null;
  compiled: CompiledPolicy | null;
}

/** One agent as the decision path sees it: kill-switch, policy version and the compiled policy set. */
export interface CachedPolicy {
  name: string;
  owner: string;
  /** Name, owner and labels: what rules select on and conditions read as `agent`. */
  agent: PolicyAgent;
  status: AgentStatus;
  version: number;
  /** The seed lists as stored (rule by action). */
  rules: ReadonlyMap<string, RuleType>;
  lists: PolicyLists;
  /** The rule document a person applied, if any. */
  document: AgentPolicyDocument | null;
  global: CachedGlobal;
  /** Document + lists + global, compiled once per version. */
  set: PolicySet;
  /**
   * The tags the agent declared for its tools (only tools with some): a rule reading `tool.tags`
   * sees them whatever tags a call sends, so an agent can't shed a declared tag per call.
   */
  toolTags: ReadonlyMap<string, readonly string[]>;
}

/** Tool → declared tags, from a stored declaration (tools without tags left out). */
export function declaredToolTags(
  tools: ReadonlyArray<{ name: string; tags?: readonly string[] }> | undefined,
): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const t of tools ?? []) if (t.tags?.length) out.set(t.name, Object.freeze([...t.tags]));
  return out;
}

/**
 * Agents' status and compiled policies in memory, so the hot path (`sdk.decide`) reads no
 * configuration from the database. Every change this process makes invalidates the agent's entry
 * (a global policy change, every entry); changes other servers make reach it through the change
 * feed (events/changeFeed.ts), which invalidates the entries they concern.
 */
export class PolicyCache {
  private readonly entries = new Map<string, Promise<CachedPolicy | null>>();
  private global: Promise<CachedGlobal> | null = null;

  constructor(
    private readonly repos: Pick<Repos, 'agents' | 'policies' | 'policyHistory' | 'governance'>,
  ) {}

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

  /** The global policy in force (version 0, no document: none was ever applied). */
  globalPolicy(): Promise<CachedGlobal> {
    if (!this.global) {
      const loading = this.loadGlobal();
      this.global = loading;
      loading.catch(() => this.global === loading && (this.global = null));
    }
    return this.global;
  }

  /** Drop one agent, or everything (the global policy too). */
  invalidate(name?: string): void {
    if (name === undefined) {
      this.entries.clear();
      this.global = null;
    } else this.entries.delete(name);
  }

  private async loadGlobal(): Promise<CachedGlobal> {
    const latest = await this.repos.policyHistory.latest(GLOBAL_POLICY);
    const document = latest?.document?.kind === 'GlobalPolicy' ? latest.document : null;
    const version = latest?.version ?? 0;
    return { version, document, compiled: document ? compilePolicyOrThrow(document, { version }) : null };
  }

  private async load(name: string): Promise<CachedPolicy | null> {
    const [agent, rows, global, declared] = await Promise.all([
      this.repos.agents.findByName(name),
      this.repos.policies.forAgent(name),
      this.globalPolicy(),
      this.repos.governance.declarationOf(name),
    ]);
    if (!agent) return null;
    const version = agent.policyVersion ?? 0;
    const stored = version > 0 ? await this.repos.policyHistory.get(name, version) : null;
    const document = stored?.document?.kind === 'AgentPolicy' ? stored.document : null;
    const rules = new Map(rows.map((r) => [r.action, r.rule]));
    const lists = listsFromRules(rules);
    return {
      name,
      owner: agent.owner ?? '',
      agent: { name, owner: agent.owner ?? '', labels: agent.labels ?? {} },
      status: agent.status,
      version,
      rules,
      lists,
      document,
      global,
      set: compileEffective({ agent: name, agentVersion: version, document, lists, global: null }, global.compiled),
      toolTags: declaredToolTags(declared?.declaration?.tools),
    };
  }
}
