import {
  evaluatePolicy,
  factNeedsFor,
  historyKey,
  policyDlpFindings,
  scanValue,
  type FactNeeds,
  type PolicyDecision,
  type PolicyFacts,
  type PolicySet,
  type ScanFinding,
} from '@aegis/shared';
import type { Repos } from '../data/repos';
import type { CachedPolicy } from './policyCache';

/** A call as the server evaluates it. */
export interface CallToEvaluate {
  action: string;
  args: Readonly<Record<string, unknown>>;
  runId?: string | null;
  tool?: { tags?: readonly string[]; description?: string } | null;
  /** DLP findings on the arguments when already scanned (else scanned here if a rule reads `dlp`). */
  findings?: readonly ScanFinding[];
}

/**
 * Answers a policy's fact needs from the database: `history` from the agent's ALLOWED entries in
 * the audit log, `session` from this run's ALLOWED entries, `dlp` from scanning the arguments. A
 * query that can't be answered is left out, so the rule that asked fails closed.
 */
export async function prefetchFacts(
  repos: Pick<Repos, 'policyFacts'>,
  needs: FactNeeds,
  agent: string,
  call: CallToEvaluate,
  now: Date,
  set: Pick<PolicySet, 'detectors'>,
): Promise<PolicyFacts> {
  const facts: PolicyFacts = {};
  if (needs.history.length) {
    const history: Record<string, number> = {};
    await Promise.all(
      needs.history.map(async (q) => {
        const since = new Date(now.getTime() - q.windowMs);
        try {
          history[historyKey(q)] =
            q.kind === 'count'
              ? await repos.policyFacts.countAllowed(agent, q.action, since)
              : await repos.policyFacts.sumAllowed(agent, q.action, q.field, since);
        } catch {
          // unanswered: the rule fails closed and its reason says the fact is missing
        }
      }),
    );
    facts.history = history;
  }
  if (needs.sessionTags.length) {
    facts.sessionTags = call.runId ? await repos.policyFacts.sessionTags(agent, call.runId, needs.sessionTags) : [];
  }
  if (needs.dlp) facts.dlp = policyDlpFindings({ args: call.findings ?? scanValue(call.args, { custom: set.detectors }) });
  return facts;
}

/**
 * The one evaluation path of the server: kill-switch, then the agent's compiled policy set
 * (document + lists + global) with its facts prefetched. Every decision — `sdk.decide`, the seed's
 * approval request, an approval redeemed at a poll, a checked report — goes through here.
 */
export async function evaluateCall(
  repos: Pick<Repos, 'policyFacts'>,
  snap: CachedPolicy,
  call: CallToEvaluate,
  now = new Date(),
  set: PolicySet = snap.set,
): Promise<PolicyDecision> {
  const agent = snap.agent;
  const policyCall = {
    agent,
    action: call.action,
    args: call.args,
    tool: { tags: call.tool?.tags ?? [], description: call.tool?.description ?? '' },
  };
  if (snap.status === 'PAUSED') return evaluatePolicy(set, policyCall, { status: 'PAUSED' });
  const needs = factNeedsFor(set, agent, call.action);
  const empty = !needs.dlp && needs.history.length === 0 && needs.sessionTags.length === 0;
  const facts = empty ? undefined : await prefetchFacts(repos, needs, snap.name, call, now, set);
  return evaluatePolicy(set, policyCall, { status: snap.status, facts, now });
}
