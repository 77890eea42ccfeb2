import {
  summarizeApproval,
  evaluateResult,
  maskedText,
  mayActAs,
  policyDlpFindings,
  resultRulesFor,
  tagFindings,
  type CustomDetectorSpec,
  type GlobalPolicyDocument,
  type PolicyRuleSpec,
  type PolicySet,
  type Principal,
  type ResultAnswer,
  type ResultInput,
} from '@aegis/shared';
import type { ServiceDeps } from './deps';
import { notYourAgent, unknownAgent } from './errors';
import type { CachedPolicy } from './policyCache';
import { openWithinLimit, waitDeadline } from './approvalLimits';
import { callTags } from './evaluateCall';

/** The compiled policy set of a cached agent, once the policy engine provides one. */
export function policySetOf(snap: CachedPolicy): PolicySet | undefined {
  return (snap as { set?: PolicySet }).set;
}

/**
 * For a decision: whether `on: result` rules apply to this call, and the custom detectors the SDK
 * must scan the result with. Undefined (the common case) means the SDK just hands the result over.
 */
export function resultRulesOf(snap: CachedPolicy, action: string): { detectors: CustomDetectorSpec[] } | undefined {
  const set = policySetOf(snap);
  if (!set || set.resultRules.length === 0) return undefined;
  if (resultRulesFor(set, { name: snap.name }, action).length === 0) return undefined;
  return { detectors: set.detectors.map((d) => d.spec) };
}

/**
 * The `on: result` rules and custom detectors that apply to one agent, as a document local mode
 * compiles and evaluates in-process (the same `evaluateResult`). Null when there are none.
 */
export function resultPolicyOf(snap: CachedPolicy): GlobalPolicyDocument | null {
  const set = policySetOf(snap);
  if (!set) return null;
  const agent = { name: snap.name };
  const applies = new Set(set.resultRules.filter((r) => !r.matchesAgent || r.matchesAgent(agent)).map((r) => `${r.scope}:${r.id}`));
  const rules: PolicyRuleSpec[] = [];
  for (const part of [set.global, set.agent]) {
    for (const spec of part?.document.rules ?? []) {
      if (spec.on !== 'result' || !applies.has(`${part!.scope}:${spec.id}`)) continue;
      const { agents: _selected, ...rest } = spec;
      // Ids stay unique across the two policies: an agent rule may share a global rule's id.
      rules.push(part!.scope === 'agent' && rules.some((r) => r.id === spec.id) ? { ...rest, id: `${spec.id}.agent` } : rest);
    }
  }
  if (rules.length === 0) return null;
  return { kind: 'GlobalPolicy', detectors: set.detectors.map((d) => d.spec), rules };
}

/**
 * `sdk.result`: what happens to a call's result, from what DLP found in it. The server evaluates
 * the `on: result` rules (the same `evaluateResult` local mode runs) and, for REVIEW, opens a
 * result approval showing the masked preview; the raw result stays with the agent, which hands it
 * over only once a reviewer releases it. An agent cannot open an approval the policy does not ask for.
 */
export function createResultService(deps: ServiceDeps) {
  const { repos, bus, cache, locks, approvalTtlMs, bind } = deps;

  return {
    async resultPolicy(agent: string): Promise<GlobalPolicyDocument | null> {
      const snap = await cache.get(agent);
      return snap ? resultPolicyOf(snap) : null;
    },

    async judge(input: ResultInput, actor: Principal): Promise<ResultAnswer> {
      if (!mayActAs(actor, input.agent)) throw notYourAgent(input.agent);
      const snap = await cache.get(input.agent);
      if (!snap) throw unknownAgent(input.agent);
      const set = policySetOf(snap);
      if (!set || set.resultRules.length === 0)
        return { effect: 'ALLOW', reason: 'No result rule applies', ruleId: null, approvalId: null };
      const findings = input.findings;
      const argsFindings = input.argsFindings ?? [];
      const decided = evaluateResult(
        set,
        // The tool as the call's decision saw it: the tags it sent and those the manifest declares.
        {
          agent: { name: snap.name },
          action: input.action,
          tool: {
            tags: callTags(snap, input.action, input.tool?.tags) ?? [],
            description: input.tool?.description ?? '',
          },
        },
        // A result scan cut short by a size or depth limit: rules over `dlp` fail closed on it.
        { facts: { dlp: policyDlpFindings({ args: argsFindings, result: findings }), dlpTruncated: input.truncated === true } },
      );
      const answer = { effect: decided.effect, reason: decided.reason, ruleId: decided.rule?.id ?? null, approvalId: null };
      if (decided.effect !== 'REVIEW') return answer;

      // Bound to this call's result: a digest no call's arguments can have (see approvals.repo).
      const binding = bind(snap, input.action, { 'aegis:result-of': input.callId });
      return locks.run(`result:${binding.argsHash}`, async () => {
        const now = new Date();
        const open = await repos.approvals.findPending(binding, now, 'result');
        if (open) {
          const waitEnds = waitDeadline(input.waitMs, now, approvalTtlMs);
          const moved = await repos.approvals.join(open.id, waitEnds, approvalTtlMs);
          if (moved) bus.emitChange({ type: 'approval.decided', approval: summarizeApproval(moved) });
          return { ...answer, reason: `${answer.reason}; awaiting approval #${open.id}`, approvalId: open.id };
        }
        const opening = await openWithinLimit(deps, snap.name, now, () =>
          repos.approvals.open({
            ...binding,
            kind: 'result',
            // which rule holds it: the card, the notifications and the export name it, as a call's do
            rule: decided.rule?.id ?? null,
            reason: decided.reason,
            args: {},
            callId: input.callId,
            expiresAt: waitDeadline(input.waitMs, now, approvalTtlMs) ?? new Date(now.getTime() + approvalTtlMs),
            findings: [...tagFindings('args', argsFindings), ...tagFindings('result', findings)],
            // The SDK masks it; an older or another client may not, and reviewers and viewers read it.
            resultPreview: maskedText(input.preview, policySetOf(snap)?.detectors),
          }),
        );
        if ('refused' in opening) return { ...answer, effect: 'BLOCK' as const, reason: opening.refused };
        const created = opening.opened;
        bus.emitChange({ type: 'approval.created', approval: summarizeApproval(created) });
        return { ...answer, reason: `${answer.reason}; approval #${created.id} opened`, approvalId: created.id };
      });
    },
  };
}
export type ResultService = ReturnType<typeof createResultService>;
