import {
  canonicalJson,
  DomainError,
  compileEffective,
  policySet,
  replayDecisions,
  type CompiledPolicy,
  type PolicyAgent,
  type PolicySet,
  type ReplayPolicyResult,
  type ReplayRecord,
  type TryPolicyResult,
} from '@aegis/shared';
import type { ReplayEntry } from '../data/repos/policyFacts.repo';
import type { ServiceDeps } from './deps';
import { unknownAgent } from './errors';
import { evaluateCall } from './evaluateCall';
import type { CachedPolicy } from './policyCache';
import { compileDocuments } from './rulePolicies';

/** The agent's set with a candidate agent document and/or global policy in place of the stored ones. */
function candidateSet(snap: CachedPolicy, candidates: CompiledPolicy[]): PolicySet {
  const own = candidates.find((p) => p.scope === 'agent' && p.agent === snap.name);
  const global = candidates.find((p) => p.scope === 'global');
  if (!own && !global) return snap.set;
  const set = compileEffective(
    {
      agent: snap.name,
      agentVersion: snap.version,
      document: own ? (own.document as CachedPolicy['document']) : snap.document,
      lists: snap.lists,
      global: null,
    },
    global ?? snap.global.compiled,
  );
  return set;
}

const STORED_VERDICT: Record<string, ReplayRecord['verdict'] | undefined> = {
  ALLOWED: 'ALLOWED',
  BLOCKED: 'BLOCKED',
  PENDING: 'REVIEW',
};

async function* asRecords(entries: AsyncIterable<ReplayEntry>): AsyncGenerator<ReplayRecord> {
  for await (const e of entries) {
    const verdict = STORED_VERDICT[e.status];
    // An ALLOWED entry that used an approval repeats a REVIEW decision already replayed.
    if (!verdict || (e.status === 'ALLOWED' && e.approvalId !== null)) continue;
    yield {
      id: e.id,
      agent: e.agent,
      action: e.action,
      verdict,
      argsJson: e.callArgs ?? null,
      argsPreview: e.argsPreview ?? null,
      runId: e.runId ?? null,
      tags: e.tags ?? null,
      findings: e.findings ?? [],
      at: new Date(e.timestamp).getTime(),
    };
  }
}

/** "Try a call" against a draft, and replay of a candidate over stored decisions. Nothing is recorded. */
export function createPolicyTrials(deps: ServiceDeps) {
  const { repos, cache } = deps;
  return {
    async tryCall(input: {
      agent: string;
      action: string;
      args: Record<string, unknown>;
      tags?: string[];
      yaml?: string;
    }): Promise<TryPolicyResult> {
      const snap = await cache.get(input.agent);
      if (!snap) throw unknownAgent(input.agent);
      // A trial runs the policy over its arguments like a decision: the same size limit.
      const size = Buffer.byteLength(canonicalJson(input.args));
      if (size > deps.maxArgsBytes)
        throw new DomainError(
          'ARGS_TOO_LARGE',
          `args: arguments are ${size} bytes of canonical JSON, over the ${deps.maxArgsBytes}-byte limit (AEGIS_MAX_ARGS_BYTES)`,
        );
      let set = snap.set;
      if (input.yaml !== undefined) {
        const compiled = compileDocuments(input.yaml, 'draft');
        if (!compiled.ok) return { ok: false, problems: compiled.problems, verdict: null, reason: null, rule: null, errors: [] };
        set = candidateSet(snap, compiled.policies);
      }
      const decided = await evaluateCall(
        repos,
        { ...snap, status: 'ACTIVE' },
        { action: input.action, args: input.args, tool: { tags: input.tags ?? [] } },
        { set },
      );
      return {
        ok: true,
        problems: [],
        verdict: decided.verdict,
        reason: decided.reason,
        rule: decided.rule,
        errors: (decided.errors ?? []).map((e) => ({ ruleId: e.ruleId, message: e.message })),
      };
    },

    async replay(input: { yaml: string; sinceHours: number; limit: number }): Promise<ReplayPolicyResult> {
      const started = performance.now();
      const compiled = compileDocuments(input.yaml, 'candidate');
      if (!compiled.ok) return { ok: false, problems: compiled.problems, evaluated: 0, changed: 0, rules: [], elapsedMs: 0 };
      const hasGlobal = compiled.policies.some((p) => p.scope === 'global');
      const agents = hasGlobal ? undefined : compiled.policies.map((p) => p.agent!);
      // Sets are built once per agent; agents no longer registered replay against the candidate alone.
      const sets = new Map<string, { set: PolicySet; agent: PolicyAgent } | null>();
      const snaps = new Map<string, CachedPolicy | null>();
      const since = new Date(Date.now() - input.sinceHours * 3_600_000);
      const entries = repos.policyFacts.decisions(since, input.limit, agents);
      async function* withSnaps(): AsyncGenerator<ReplayRecord> {
        for await (const r of asRecords(entries)) {
          if (!snaps.has(r.agent)) snaps.set(r.agent, await cache.get(r.agent));
          yield r;
        }
      }
      const report = await replayDecisions(withSnaps(), (name) => {
        if (!sets.has(name)) {
          const snap = snaps.get(name);
          const own = compiled.policies.find((p) => p.agent === name);
          const global = compiled.policies.find((p) => p.scope === 'global');
          const set = snap ? candidateSet(snap, compiled.policies) : policySet({ agent: own, global });
          sets.set(name, own || global ? { set, agent: snap?.agent ?? { name, owner: '' } } : null);
        }
        return sets.get(name) ?? null;
      });
      return { ok: true, problems: [], ...report, elapsedMs: Math.round(performance.now() - started) };
    },
  };
}
export type PolicyTrials = ReturnType<typeof createPolicyTrials>;
