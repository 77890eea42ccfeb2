import type { Verdict } from '../schemas/decision';
import { policyDlpFindings } from '../dlp/facts';
import { scanValue } from '../dlp/scan';
import type { PolicyAgent } from './compile';
import { evaluatePolicy } from './evaluate';
import { historyKey, type FactNeeds, type PolicyFacts } from './facts';
import { applicableRules, factNeedsFor, type PolicySet } from './policySet';

/**
 * Replay: a candidate policy evaluated over stored decisions, to see what it would have changed
 * before it is applied. Facts are rebuilt from the replayed record itself, in order: `history`
 * counts and sums the agent's earlier ALLOWED entries, `session` the run's earlier ALLOWED tags,
 * `dlp` scans the stored arguments — so a history rule replays as it would have decided then.
 */

export interface ReplayRecord {
  id: number;
  agent: string;
  action: string;
  /** What was decided then. */
  verdict: Extract<Verdict, 'ALLOWED' | 'BLOCKED' | 'REVIEW'>;
  /** The stored canonical arguments (JSON), null when not kept. */
  argsJson: string | null;
  argsPreview: string | null;
  runId: string | null;
  tags: readonly string[] | null;
  /** DLP findings stored with the decision; when absent, the stored arguments are scanned. */
  findings?: ReadonlyArray<{ detector: string; path: string; count: number }> | null;
  at: number;
}

export interface ReplayChange {
  from: string;
  to: string;
  count: number;
  examples: Array<{ auditId: number; agent: string; action: string; argsPreview: string | null }>;
}

export interface ReplayReport {
  evaluated: number;
  changed: number;
  rules: Array<{ rule: string; changes: ReplayChange[] }>;
}

const EXAMPLES = 3;
const MAX_REMEMBERED = 200_000;

/** A remembered ALLOWED call: its time, stored arguments, and the numbers summed from them so far. */
interface RememberedCall {
  at: number;
  args: string | null;
  /** `args[field]` as `history.sum` counts it (0 when not a finite number), parsed once per field. */
  values?: Map<string, number>;
}

/** What an agent's set reads from the past: the actions its history queries name, and whether it asks about sessions. */
interface ReplayReads {
  historyActions: ReadonlySet<string>;
  sessions: boolean;
}

/** The record's own past, as facts: ALLOWED calls per agent+action, tags per run. */
class ReplayMemory {
  private readonly calls = new Map<string, RememberedCall[]>();
  private readonly runTags = new Map<string, Set<string>>();
  private remembered = 0;

  /**
   * `reads`: what the agent's set can ask about its past. A call of an action no history query
   * names, or a run's tags when no rule asks about sessions, would never be read: not kept.
   */
  remember(r: ReplayRecord, reads: ReplayReads): void {
    if (r.verdict !== 'ALLOWED' || this.remembered >= MAX_REMEMBERED) return;
    const call = reads.historyActions.has(r.action);
    const run = reads.sessions && !!r.runId && !!r.tags?.length;
    if (!call && !run) return;
    this.remembered++;
    if (call) {
      const key = `${r.agent}\n${r.action}`;
      const list = this.calls.get(key) ?? [];
      list.push({ at: r.at, args: r.argsJson });
      this.calls.set(key, list);
    }
    if (run && r.runId && r.tags) {
      const runKey = `${r.agent}\n${r.runId}`;
      const tags = this.runTags.get(runKey) ?? new Set();
      for (const t of r.tags) tags.add(t);
      this.runTags.set(runKey, tags);
    }
  }

  facts(needs: FactNeeds, r: ReplayRecord, args: Readonly<Record<string, unknown>>): PolicyFacts {
    const facts: PolicyFacts = {};
    if (needs.history.length) {
      const history: Record<string, number> = {};
      for (const q of needs.history) {
        const list = this.calls.get(`${r.agent}\n${q.action}`) ?? [];
        const since = r.at - q.windowMs;
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (list[mid]!.at < since) lo = mid + 1;
          else hi = mid;
        }
        if (q.kind === 'count') history[historyKey(q)] = list.length - lo;
        else {
          let sum = 0;
          for (let i = lo; i < list.length; i++) sum += valueOf(list[i]!, q.field);
          history[historyKey(q)] = sum;
        }
      }
      facts.history = history;
    }
    if (needs.sessionTags.length) {
      const seen = r.runId ? this.runTags.get(`${r.agent}\n${r.runId}`) : undefined;
      facts.sessionTags = needs.sessionTags.filter((t) => seen?.has(t));
    }
    if (needs.dlp) {
      facts.dlp = r.findings
        ? r.findings.map(({ detector, path, count }) => ({ detector, where: 'args', path, count }))
        : policyDlpFindings({ args: scanValue(args) });
    }
    return facts;
  }
}

/** A remembered call's `args[field]` for a sum: parsed the first time, then kept (a window sums it again and again). */
function valueOf(call: RememberedCall, field: string): number {
  const known = call.values?.get(field);
  if (known !== undefined) return known;
  const v = call.args ? (JSON.parse(call.args) as Record<string, unknown>)[field] : undefined;
  const value = typeof v === 'number' && Number.isFinite(v) ? v : 0;
  (call.values ??= new Map()).set(field, value);
  return value;
}

/** What a set can read from the past (every history query and session question of its call rules). */
function readsOf(set: PolicySet): ReplayReads {
  const history = [...(set.global?.needs.history ?? []), ...(set.agent?.needs.history ?? [])];
  return {
    historyActions: new Set(history.map((q) => q.action)),
    sessions: (set.global?.needs.sessionTags.length ?? 0) + (set.agent?.needs.sessionTags.length ?? 0) > 0,
  };
}

const READS_NOTHING: ReplayReads = { historyActions: new Set(), sessions: false };

/**
 * Evaluates `records` (oldest first) against the candidate sets: `setFor(agent)` returns the set
 * the agent would be evaluated against, or null to skip its entries — the same answer for an agent
 * throughout (what is remembered of an agent's calls follows what its set can ask).
 */
export async function replayDecisions(
  records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  setFor: (agent: string) => { set: PolicySet; agent: PolicyAgent } | null,
): Promise<ReplayReport> {
  const memory = new ReplayMemory();
  const byRule = new Map<string, Map<string, ReplayChange>>();
  let evaluated = 0;
  let changed = 0;
  // Per target (one per agent) and action: whether its rules read the arguments, and their fact needs.
  const perAction = new WeakMap<object, Map<string, { needsArgs: boolean; needs: FactNeeds }>>();
  const reads = new WeakMap<PolicySet, ReplayReads>();
  for await (const r of records) {
    const target = setFor(r.agent);
    let targetReads = READS_NOTHING;
    if (target) {
      evaluated++;
      const { set, agent } = target;
      let actions = perAction.get(target);
      if (!actions) {
        actions = new Map<string, { needsArgs: boolean; needs: FactNeeds }>();
        perAction.set(target, actions);
      }
      let known = actions.get(r.action);
      if (!known) {
        known = {
          needsArgs: applicableRules(set, agent, r.action).some((rule) => rule.program || rule.reason),
          needs: factNeedsFor(set, agent, r.action),
        };
        actions.set(r.action, known);
      }
      const { needsArgs, needs } = known;
      const args = needsArgs && r.argsJson ? (JSON.parse(r.argsJson) as Record<string, unknown>) : {};
      const facts = memory.facts(needs, r, args);
      const decided = evaluatePolicy(set, { agent, action: r.action, args, tool: { tags: r.tags ?? [] } }, { facts, now: r.at });
      if (decided.verdict !== r.verdict) {
        changed++;
        const ruleName = decided.rule ? `${decided.rule.scope}:${decided.rule.id}` : 'kill-switch';
        const changes = byRule.get(ruleName) ?? new Map<string, ReplayChange>();
        byRule.set(ruleName, changes);
        const key = `${r.verdict}→${decided.verdict}`;
        const change = changes.get(key) ?? { from: r.verdict, to: decided.verdict, count: 0, examples: [] };
        changes.set(key, change);
        change.count++;
        if (change.examples.length < EXAMPLES) {
          change.examples.push({ auditId: r.id, agent: r.agent, action: r.action, argsPreview: r.argsPreview });
        }
      }
      targetReads = reads.get(set) ?? readsOf(set);
      reads.set(set, targetReads);
    }
    // Only what a later evaluation of this agent can ask about; an agent not replayed asks nothing.
    memory.remember(r, targetReads);
  }
  const rules = [...byRule]
    .map(([rule, changes]) => ({ rule, changes: [...changes.values()].sort((a, b) => b.count - a.count) }))
    .sort((a, b) => a.rule.localeCompare(b.rule));
  return { evaluated, changed, rules };
}
