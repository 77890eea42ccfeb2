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

/** The record's own past, as facts: ALLOWED calls per agent+action, tags per run. */
class ReplayMemory {
  private readonly calls = new Map<string, Array<{ at: number; args: string | null }>>();
  private readonly runTags = new Map<string, Set<string>>();
  private remembered = 0;

  remember(r: ReplayRecord): void {
    if (r.verdict !== 'ALLOWED' || this.remembered >= MAX_REMEMBERED) return;
    this.remembered++;
    const key = `${r.agent}\n${r.action}`;
    const list = this.calls.get(key) ?? [];
    list.push({ at: r.at, args: r.argsJson });
    this.calls.set(key, list);
    if (r.runId && r.tags?.length) {
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
          for (let i = lo; i < list.length; i++) {
            const v = list[i]!.args ? (JSON.parse(list[i]!.args!) as Record<string, unknown>)[q.field] : undefined;
            if (typeof v === 'number' && Number.isFinite(v)) sum += v;
          }
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

/**
 * Evaluates `records` (oldest first) against the candidate sets: `setFor(agent)` returns the set
 * the agent would be evaluated against, or null to skip its entries.
 */
export async function replayDecisions(
  records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  setFor: (agent: string) => { set: PolicySet; agent: PolicyAgent } | null,
): Promise<ReplayReport> {
  const memory = new ReplayMemory();
  const byRule = new Map<string, Map<string, ReplayChange>>();
  let evaluated = 0;
  let changed = 0;
  for await (const r of records) {
    const target = setFor(r.agent);
    if (target) {
      evaluated++;
      const { set, agent } = target;
      const needsArgs = applicableRules(set, agent, r.action).some((rule) => rule.program || rule.reason);
      const args = needsArgs && r.argsJson ? (JSON.parse(r.argsJson) as Record<string, unknown>) : {};
      const needs = factNeedsFor(set, agent, r.action);
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
    }
    memory.remember(r);
  }
  const rules = [...byRule]
    .map(([rule, changes]) => ({ rule, changes: [...changes.values()].sort((a, b) => b.count - a.count) }))
    .sort((a, b) => a.rule.localeCompare(b.rule));
  return { evaluated, changed, rules };
}
