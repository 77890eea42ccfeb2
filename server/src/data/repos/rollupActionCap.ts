// The cap and the bucket's name live in shared/: the dashboard shows the bucket apart.
import {
  BUILTIN_DETECTORS,
  DETECTOR_CATEGORIES,
  MAX_ACTIONS_PER_AGENT,
  OTHER_ACTIONS,
} from '@aegis/shared';

export { MAX_ACTIONS_PER_AGENT, OTHER_ACTIONS };

/**
 * Custom detector names counted per agent. A policy declares at most 50; the names come from the
 * SDK's findings, so an agent key could invent 256 per call, each a counter in the timeline
 * document every agent's calls update (attack review 16: ~1,000 calls took it to BSON's 16 MiB,
 * where counting stops for everyone).
 */
export const MAX_CUSTOM_DETECTORS_PER_AGENT = 64;

const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  ...BUILTIN_DETECTORS,
  ...Object.keys(DETECTOR_CATEGORIES),
]);

/** How long a server trusts what it learnt of an agent's itemised actions before reading them again. */
const RELEARN_MS = 10 * 60_000;

/**
 * The actions each agent's rollups itemise: the first MAX_ACTIONS_PER_AGENT distinct ones counted,
 * the rest folded into OTHER_ACTIONS. A server learns an agent's itemised actions from its `seen`
 * documents before counting it (`load`), and again every RELEARN_MS (other servers' names, or
 * none after the rollups were wiped); servers sharing a database may each admit a few of their
 * own past the cap meanwhile, so the bound is per server, still bounded.
 */
export class ActionCap {
  private readonly byAgent = new Map<string, { names: Set<string>; at: number }>();
  private readonly detectorsByAgent = new Map<string, Set<string>>();

  constructor(private readonly limit = MAX_ACTIONS_PER_AGENT) {}

  /** Of these agents, those whose itemised actions are not known (or not lately). */
  unknown(agents: Iterable<string>, now = Date.now()): string[] {
    return [...new Set(agents)].filter((agent) => {
      const known = this.byAgent.get(agent);
      return !known || now - known.at > RELEARN_MS;
    });
  }

  /** An agent's itemised actions as stored (its `seen` documents, OTHER_ACTIONS aside). */
  load(agent: string, actions: Iterable<string>, now = Date.now()): void {
    const names = new Set<string>();
    for (const action of actions) if (action !== OTHER_ACTIONS) names.add(action);
    this.byAgent.set(agent, { names, at: now });
  }

  /**
   * Whether rollups count a finding of this detector for this agent: a built-in one always; a
   * custom one while the agent has counted fewer than MAX_CUSTOM_DETECTORS_PER_AGENT names (in
   * this process, or this rebuild: the bound is per server and restart, still bounded).
   */
  admitDetector(agent: string, detector: string): boolean {
    if (BUILTIN_NAMES.has(detector)) return true;
    let names = this.detectorsByAgent.get(agent);
    if (!names) this.detectorsByAgent.set(agent, (names = new Set()));
    if (names.has(detector)) return true;
    if (names.size >= MAX_CUSTOM_DETECTORS_PER_AGENT) return false;
    names.add(detector);
    return true;
  }

  /** The name rollups count this call under: its own while the agent has room, else OTHER_ACTIONS. */
  admit(agent: string, action: string): string {
    let known = this.byAgent.get(agent);
    if (!known) this.byAgent.set(agent, (known = { names: new Set(), at: Date.now() }));
    if (known.names.has(action)) return action;
    if (known.names.size >= this.limit) return OTHER_ACTIONS;
    known.names.add(action);
    return action;
  }
}
