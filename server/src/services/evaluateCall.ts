import {
  evaluatePolicy,
  factNeedsFor,
  masksWhenApproved,
  historyKey,
  policyDlpFindings,
  scan,
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
  /** With `findings`: a size or depth limit cut that scan short. */
  truncated?: boolean;
}

/**
 * Answers a policy's fact needs from the database: `history` from the agent's ALLOWED entries in
 * the audit log, `session` from this run's ALLOWED entries. A query that can't be answered is left
 * out, so the rule that asked fails closed.
 */
async function storeFacts(
  repos: Pick<Repos, 'policyFacts'>,
  needs: FactNeeds,
  agent: string,
  call: CallToEvaluate,
  now: Date,
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
  return facts;
}

/** The `dlp` facts: the call's findings, scanned here if the caller did not already. */
function dlpFacts(
  call: CallToEvaluate,
  set: Pick<PolicySet, 'detectors'>,
): { findings: PolicyFacts['dlp']; truncated: boolean } {
  const scanned = call.findings
    ? { findings: call.findings, truncated: call.truncated === true }
    : scan(call.args, { custom: set.detectors });
  return { findings: policyDlpFindings({ args: scanned.findings }), truncated: scanned.truncated };
}

/**
 * The tags a rule sees on a call: those the call sends and those the agent declared for the tool
 * (its manifest), so leaving a declared tag out of a call does not shed it. The call's own array
 * when nothing is declared for the tool (nothing allocated on the hot path).
 */
export function callTags(
  snap: Pick<CachedPolicy, 'toolTags'>,
  action: string,
  sent: readonly string[] | undefined,
): readonly string[] | undefined {
  const declared = snap.toolTags.get(action);
  if (!declared) return sent;
  if (!sent?.length) return declared;
  return [...new Set([...sent, ...declared])];
}

/**
 * Whether the rules that decide this action read the agent's earlier calls (history, session).
 * Such a decision is taken one at a time per agent, from reading those calls to recording the
 * verdict, under {@link pastCallsLock} — every path that lets a call run: sdk.decide, and an
 * approval redeemed at the seed's poll.
 */
export function readsPastCalls(snap: CachedPolicy, action: string): boolean {
  if (snap.status === 'PAUSED') return false;
  const needs = factNeedsFor(snap.set, snap.agent, action);
  return needs.history.length > 0 || needs.sessionTags.length > 0;
}

/** The lock (a database lease across servers) that orders an agent's decisions over its past calls. */
export const pastCallsLock = (agent: string) => `past-calls:${agent}`;

/** How long an evaluation took, and whether its facts needed the database. */
export type EvaluationObserver = (seconds: number, facts: 'memory' | 'store') => void;

export interface EvaluateOptions {
  /** The evaluation's clock (history windows, time conditions). @defaultValue now */
  now?: Date;
  /** A candidate set instead of the agent's own (a policy trial). */
  set?: PolicySet;
  /** Told the evaluation's duration (the server's `aegis_policy_evaluation_seconds`). */
  observe?: EvaluationObserver;
}

/** A decision as the server evaluates it. */
export interface CallDecision extends PolicyDecision {
  /**
   * REVIEW only: a REDACT rule also matches, so once a person approves, the call runs with what
   * DLP found in its arguments masked (`masksWhenApproved`; an admin's edited arguments excepted).
   */
  maskWhenApproved?: true;
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
  { now = new Date(), set = snap.set, observe }: EvaluateOptions = {},
): Promise<CallDecision> {
  const started = observe ? performance.now() : 0;
  const agent = snap.agent;
  const policyCall = {
    agent,
    action: call.action,
    args: call.args,
    tool: {
      tags: callTags(snap, call.action, call.tool?.tags) ?? [],
      description: call.tool?.description ?? '',
    },
  };
  if (snap.status === 'PAUSED') return evaluatePolicy(set, policyCall, { status: 'PAUSED' });
  const needs = factNeedsFor(set, agent, call.action);
  const fromStore = needs.history.length > 0 || needs.sessionTags.length > 0;
  // Only a store query awaits: an evaluation from memory stays one synchronous step.
  const facts = fromStore ? await storeFacts(repos, needs, snap.name, call, now) : undefined;
  const dlp = needs.dlp ? dlpFacts(call, set) : undefined;
  const context = {
    status: snap.status,
    facts: dlp ? { ...facts, dlp: dlp.findings, dlpTruncated: dlp.truncated } : facts,
    now,
  };
  const decision: CallDecision = evaluatePolicy(set, policyCall, context);
  // The same facts say whether an approval of this call runs it masked (REDACT rules still apply).
  if (decision.verdict === 'REVIEW' && masksWhenApproved(set, policyCall, context)) {
    decision.maskWhenApproved = true;
  }
  // Without store facts nothing above awaits: the time is this evaluation's own CPU.
  observe?.((performance.now() - started) / 1000, fromStore ? 'store' : 'memory');
  return decision;
}
