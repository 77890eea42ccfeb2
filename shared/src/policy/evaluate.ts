import type { AgentStatus } from '../schemas/agent';
import type { Verdict } from '../schemas/decision';
import type { ResultEffect, RuleSeverity } from '../schemas/policyRules';
import {
  AgentValue,
  AnomalyValue,
  DlpValue,
  HistoryValue,
  SessionValue,
  ToolValue,
} from './celEnvironment';
import type { CompiledPolicy, CompiledRule, PolicyAgent } from './compile';
import type { PolicyFacts } from './facts';
import { conditionValue } from './expression';
import { renderTemplate, type TemplatePart } from './interpolate';
import { maskValue } from '../dlp/mask';
import type { CustomDetector } from '../dlp/custom/customDetector';
import { asPolicySet, STRICTNESS, type PolicySet } from './policySet';
import { resetEvaluationBudget } from './loopBudget';

/** One tool call as the policy sees it. */
export interface PolicyCall {
  agent: PolicyAgent;
  action: string;
  args?: Readonly<Record<string, unknown>>;
  /** Metadata declared with the tool. */
  tool?: { tags?: readonly string[]; description?: string };
}

export interface PolicyContext {
  /** PAUSED is the kill-switch: the answer is KILLED before any rule is read. */
  status?: AgentStatus;
  /** The time rules see as `now` (default: the current time). */
  now?: Date | number;
  /** Answers to the policy's fact needs (see `factNeedsFor`). */
  facts?: PolicyFacts;
}

export interface DecidingRule {
  id: string;
  scope: 'agent' | 'global' | 'default';
  version: number;
}

export interface RuleEvaluationError {
  ruleId: string;
  scope: 'agent' | 'global';
  message: string;
}

export interface PolicyDecision {
  verdict: Verdict;
  reason: string;
  /** The rule that decided; null only for KILLED (the kill-switch decides). */
  rule: DecidingRule | null;
  severity?: RuleSeverity;
  /**
   * A REDACT rule decided: the call is ALLOWED to run with what DLP found in its arguments masked
   * (the caller masks them with the same scan that fed `dlp`).
   */
  redactArgs?: true;
  /** Conditions that could not be evaluated (each failed closed). */
  errors?: RuleEvaluationError[];
}

export const DEFAULT_RULE_ID = 'default';

const VERDICT: Readonly<Record<ResultEffect, Verdict>> = {
  ALLOW: 'ALLOWED',
  REDACT: 'ALLOWED',
  BLOCK: 'BLOCKED',
  REVIEW: 'REVIEW',
};

/** A rule that matched, with the effect it has (a failed condition turns ALLOW into REVIEW). */
export interface Match {
  rule: CompiledRule;
  effect: ResultEffect;
  error?: string;
}

/** Lazily built once per call: the values CEL conditions read. */
export class Bindings {
  private built: Record<string, unknown> | undefined;
  constructor(
    private readonly call: PolicyCall,
    private readonly context: PolicyContext,
  ) {}
  /** Whether the DLP scan behind `dlp` stopped at a size or depth limit. */
  get dlpTruncated(): boolean {
    return this.context.facts?.dlpTruncated === true;
  }
  get(): Record<string, unknown> {
    if (this.built) return this.built;
    const { call, context } = this;
    const facts = context.facts ?? {};
    const now = context.now === undefined ? new Date() : new Date(context.now);
    this.built = {
      args: call.args ?? {},
      agent: new AgentValue(call.agent.name, call.agent.owner ?? '', call.agent.labels ?? {}),
      action: call.action,
      tool: new ToolValue(call.tool?.tags ?? [], call.tool?.description ?? ''),
      now,
      history: new HistoryValue(facts.history),
      session: new SessionValue(facts.sessionTags),
      dlp: new DlpValue(facts.dlp),
      anomaly: new AnomalyValue(facts.anomaly),
    };
    return this.built;
  }
}

function errorMessage(e: unknown): string {
  const err = e as { summary?: unknown; message?: unknown };
  const text =
    typeof err?.summary === 'string'
      ? err.summary
      : typeof err?.message === 'string'
        ? err.message
        : String(e);
  return text.split('\n')[0]!;
}

/** Why a rule over `dlp` that did not match still fails closed: the scan did not see everything. */
export const DLP_TRUNCATED =
  'DLP stopped at its size or depth limit (1 MiB of text, 64 levels), so what lies past it was not looked at';

/** A rule reading `dlp` found nothing, but the scan stopped short: its "no" can't be trusted. */
export function unscannedDlp(rule: { needs: { dlp: boolean } }, bindings: Bindings): boolean {
  return rule.needs.dlp && bindings.dlpTruncated;
}

/** Runs one rule's condition: a match, no match, or a failure that fails closed. */
function test(rule: CompiledRule, bindings: Bindings): Match | undefined {
  if (!rule.program) return { rule, effect: rule.effect };
  let value: unknown;
  try {
    value = conditionValue(rule, bindings.get());
  } catch (e) {
    return { rule, effect: rule.effect === 'BLOCK' ? 'BLOCK' : 'REVIEW', error: errorMessage(e) };
  }
  if (value === true) return { rule, effect: rule.effect };
  if (value === false) {
    if (!unscannedDlp(rule, bindings)) return undefined;
    return { rule, effect: rule.effect === 'BLOCK' ? 'BLOCK' : 'REVIEW', error: DLP_TRUNCATED };
  }
  return {
    rule,
    effect: rule.effect === 'BLOCK' ? 'BLOCK' : 'REVIEW',
    error: `the condition gave ${String(value)}, not true or false`,
  };
}

/** Whether `b` beats `a`: higher priority, or equal priority and stricter. */
export function better(a: Match | undefined, b: Match): boolean {
  if (!a) return true;
  return (
    b.rule.priority > a.rule.priority ||
    (b.rule.priority === a.rule.priority && STRICTNESS[b.effect] > STRICTNESS[a.effect])
  );
}

/**
 * The best match among rules already in decision order. Rules of lower priority than the best
 * match can't win and are not evaluated; at equal priority only a stricter outcome can.
 */
export function decideAmong(
  rules: readonly CompiledRule[],
  agent: PolicyAgent,
  bindings: Bindings,
  errors: RuleEvaluationError[],
): Match | undefined {
  let best: Match | undefined;
  for (const rule of rules) {
    if (best && rule.priority < best.rule.priority) break;
    if (rule.matchesAgent && !rule.matchesAgent(agent)) continue;
    // A condition that fails turns an ALLOW or REDACT into REVIEW.
    const mostItCouldBe =
      rule.program && STRICTNESS[rule.effect] < STRICTNESS.REVIEW
        ? STRICTNESS.REVIEW
        : STRICTNESS[rule.effect];
    if (best && rule.priority === best.rule.priority && mostItCouldBe <= STRICTNESS[best.effect])
      continue;
    const match = test(rule, bindings);
    if (!match) continue;
    if (match.error) errors.push({ ruleId: rule.id, scope: rule.scope, message: match.error });
    if (better(best, match)) best = match;
  }
  return best;
}

/**
 * What a rule's `reason` template may interpolate (call rules and result rules alike). The reason
 * is stored in the hash-chained log, shown to viewers and answered to the agent, so arguments
 * appear as DLP masks them (`{{ args.card }}` → `************1111`), as in every preview —
 * never raw. Masked only when the template reads them.
 */
export function reasonValues(
  call: PolicyCall,
  ruleId: string,
  template: readonly TemplatePart[] = [],
  custom: readonly CustomDetector[] = [],
) {
  // Everything the call brings is masked (arguments, the tool's description, the agent's owner
  // and labels, which a caller can set too), and only what the template reads.
  const reads = (root: string, field?: string) =>
    template.some((p) => typeof p !== 'string' && p.path[0] === root && (field === undefined || p.path[1] === field));
  const masked = <T>(value: T, read: boolean): T | Record<string, never> =>
    read ? (maskValue(value, { custom }) as T) : {};
  const text = (value: string, read: boolean) => (read ? String(maskValue(value, { custom })) : '');
  return {
    args: masked(call.args ?? {}, reads('args')),
    agent: {
      name: call.agent.name,
      owner: text(call.agent.owner ?? '', reads('agent', 'owner')),
      labels: masked(call.agent.labels ?? {}, reads('agent', 'labels')),
    },
    action: call.action,
    tool: { description: text(call.tool?.description ?? '', reads('tool', 'description')) },
    rule: { id: ruleId },
  };
}

function reasonFor(match: Match, call: PolicyCall, custom: readonly CustomDetector[]): string {
  const { rule } = match;
  if (match.error) {
    return `Rule ${rule.id} could not be evaluated (${match.error}); ${match.effect === 'BLOCK' ? 'blocked' : 'held for human review'}`;
  }
  if (rule.reason) {
    return renderTemplate(rule.reason, reasonValues(call, rule.id, rule.reason, custom));
  }
  switch (rule.effect) {
    case 'ALLOW':
      return `Rule ${rule.id} allows ${call.action}`;
    case 'REDACT':
      return `Rule ${rule.id} allows ${call.action} with what DLP found in its arguments masked`;
    case 'BLOCK':
      return `Rule ${rule.id} blocks ${call.action}`;
    case 'REVIEW':
      return `Rule ${rule.id} requires human review for ${call.action}`;
  }
}

/**
 * The firewall's decision for one call. Kill-switch first; then every rule naming the call's
 * action and agent. Among matches the highest `priority` wins, then BLOCK over REVIEW over ALLOW,
 * then the earlier rule. A global BLOCK is final: no agent rule can loosen it. With no match, the
 * default effect decides. A condition that fails (a missing argument, an unprefetched fact) fails
 * closed: BLOCK if its rule blocks, REVIEW otherwise. Pure and synchronous: the server and the
 * SDK's local mode call it with the same inputs and get the same answer.
 */
export function evaluatePolicy(
  compiled: PolicySet | CompiledPolicy,
  call: PolicyCall,
  context: PolicyContext = {},
): PolicyDecision {
  if (context.status === 'PAUSED') {
    return { verdict: 'KILLED', reason: 'Agent is paused by the kill-switch', rule: null };
  }
  const set = asPolicySet(compiled);
  resetEvaluationBudget();
  const { global, agent } = set.candidates(call.action);
  const bindings = new Bindings(call, context);
  const errors: RuleEvaluationError[] = [];
  const fromGlobal = global.length ? decideAmong(global, call.agent, bindings, errors) : undefined;
  let best = fromGlobal;
  if (fromGlobal?.effect !== 'BLOCK' && agent.length) {
    const fromAgent = decideAmong(agent, call.agent, bindings, errors);
    if (fromAgent && better(best, fromAgent)) best = fromAgent;
  }
  const decision: PolicyDecision = best
    ? {
        verdict: VERDICT[best.effect],
        reason: reasonFor(best, call, set.detectors),
        rule: { id: best.rule.id, scope: best.rule.scope, version: versionOf(set, best.rule) },
        severity: best.rule.severity,
        ...(best.effect === 'REDACT' ? { redactArgs: true as const } : {}),
      }
    : {
        verdict: VERDICT[set.defaultEffect],
        // REVIEW by default is the seed's behaviour for an action it doesn't know: its words.
        reason:
          set.defaultEffect === 'REVIEW'
            ? `${call.action} is not in the policy; held for human review`
            : `${call.action} matched no rule; the default is ${set.defaultEffect}`,
        rule: { id: DEFAULT_RULE_ID, scope: 'default', version: set.defaultVersion },
      };
  if (errors.length) decision.errors = errors;
  return decision;
}

function versionOf(set: PolicySet, rule: CompiledRule): number {
  return (rule.scope === 'global' ? set.global?.version : set.agent?.version) ?? 0;
}

/**
 * Whether a call a person approved runs with what DLP found in its arguments masked. The review
 * won over any REDACT rule (REVIEW is stricter), but approving the review lets the call past the
 * person, not past the masking: the reviewer saw the masked card, so the tool gets the masked card.
 * Decided as the policy would decide among its ALLOW and REDACT rules alone (the review set
 * aside): the rule that would win among those that match says whether the arguments are masked.
 * A REDACT rule whose condition can't be evaluated counts as matching (fails closed: masked).
 * Kill-switch and BLOCK are not this function's business; the caller's evaluation answered them.
 */
export function masksWhenApproved(
  compiled: PolicySet | CompiledPolicy,
  call: PolicyCall,
  context: PolicyContext = {},
): boolean {
  const set = asPolicySet(compiled);
  const { global, agent } = set.candidates(call.action);
  if (!global.some(isRedact) && !agent.some(isRedact)) return false;
  resetEvaluationBudget();
  const bindings = new Bindings(call, context);
  const pick = (rules: readonly CompiledRule[]): Match | undefined => {
    let best: Match | undefined;
    for (const rule of rules) {
      if (rule.effect !== 'ALLOW' && rule.effect !== 'REDACT') continue;
      if (rule.matchesAgent && !rule.matchesAgent(call.agent)) continue;
      const match = test(rule, bindings);
      // An ALLOW whose condition failed would have asked for review: it allows nothing here.
      if (!match || (match.error && rule.effect === 'ALLOW')) continue;
      const effective: Match = { rule, effect: rule.effect };
      if (better(best, effective)) best = effective;
    }
    return best;
  };
  let best = pick(global);
  const fromAgent = pick(agent);
  if (fromAgent && better(best, fromAgent)) best = fromAgent;
  return best?.effect === 'REDACT';
}

const isRedact = (rule: CompiledRule) => rule.effect === 'REDACT';
