import type { ResultEffect } from '../schemas/policyRules';
import type { CompiledPolicy, CompiledResultRule, PolicyAgent } from './compile';
import {
  Bindings,
  reasonValues,
  type DecidingRule,
  type PolicyCall,
  type PolicyContext,
  type RuleEvaluationError,
  DLP_TRUNCATED,
  unscannedDlp,
} from './evaluate';
import { conditionValue } from './expression';
import { renderTemplate } from './interpolate';
import type { CustomDetector } from '../dlp/custom/customDetector';
import { asPolicySet, type PolicySet } from './policySet';
import { resetEvaluationBudget } from './loopBudget';

/** What happens to a tool's result: the effect of the deciding `on: result` rule. */
export interface ResultDecision {
  effect: ResultEffect;
  reason: string;
  /** The deciding rule; null when no result rule matched (the result is handed over). */
  rule: DecidingRule | null;
  errors?: RuleEvaluationError[];
}

const RESULT_STRICTNESS: Readonly<Record<ResultEffect, number>> = {
  ALLOW: 0,
  REDACT: 1,
  REVIEW: 2,
  BLOCK: 3,
};

/** The `on: result` rules that apply to this agent's call of this action (global ones first). */
export function resultRulesFor(
  compiled: PolicySet | CompiledPolicy,
  agent: PolicyAgent,
  action: string,
): CompiledResultRule[] {
  return asPolicySet(compiled).resultRules.filter(
    (r) => r.matchesAction(action) && (!r.matchesAgent || r.matchesAgent(agent)),
  );
}

/**
 * What to do with a call's result once the tool has returned, from its DLP findings (in
 * `context.facts.dlp`, tagged `where: 'args'` or `'result'`). Among matching result rules the
 * highest priority wins, then the strictest (BLOCK, REVIEW, REDACT, ALLOW), then the earlier.
 * A condition that cannot be evaluated fails closed: a BLOCK rule blocks, any other holds the
 * result for review. No matching rule: ALLOW. Pure, like `evaluatePolicy`: the server (strict
 * mode) and the SDK (local mode) get the same answer.
 */
export function evaluateResult(
  compiled: PolicySet | CompiledPolicy,
  call: PolicyCall,
  context: PolicyContext = {},
): ResultDecision {
  const set = asPolicySet(compiled);
  resetEvaluationBudget();
  const bindings = new Bindings(call, context);
  const errors: RuleEvaluationError[] = [];
  let best: { rule: CompiledResultRule; effect: ResultEffect; error?: string } | undefined;
  for (const rule of resultRulesFor(set, call.agent, call.action)) {
    let effect: ResultEffect | undefined = rule.effect;
    let error: string | undefined;
    if (rule.program) {
      try {
        const value: unknown = conditionValue(rule, bindings.get());
        if (value === false) {
          if (unscannedDlp(rule, bindings)) error = DLP_TRUNCATED;
          else effect = undefined;
        } else if (value !== true) error = `the condition gave ${String(value)}, not true or false`;
      } catch (e) {
        error = e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
    }
    if (error !== undefined) {
      effect = rule.effect === 'BLOCK' ? 'BLOCK' : 'REVIEW';
      errors.push({ ruleId: rule.id, scope: rule.scope, message: error });
    }
    if (effect === undefined) continue;
    const beats =
      !best ||
      rule.priority > best.rule.priority ||
      (rule.priority === best.rule.priority &&
        RESULT_STRICTNESS[effect] > RESULT_STRICTNESS[best.effect]);
    if (beats) best = { rule, effect, error };
  }
  if (!best) {
    return errors.length
      ? { effect: 'ALLOW', reason: 'No result rule matched', rule: null, errors }
      : { effect: 'ALLOW', reason: 'No result rule matched', rule: null };
  }
  const { rule, effect, error } = best;
  const decision: ResultDecision = {
    effect,
    reason:
      error !== undefined
        ? `Rule ${rule.id} could not be evaluated (${error}); the result is ${effect === 'BLOCK' ? 'dropped' : 'held for review'}`
        : reasonFor(rule, effect, call, set.detectors),
    rule: {
      id: rule.id,
      scope: rule.scope,
      version: (rule.scope === 'global' ? set.global?.version : set.agent?.version) ?? 0,
    },
  };
  if (errors.length) decision.errors = errors;
  return decision;
}

function reasonFor(rule: CompiledResultRule, effect: ResultEffect, call: PolicyCall, custom: readonly CustomDetector[]): string {
  if (rule.reason) {
    return renderTemplate(rule.reason, reasonValues(call, rule.id, rule.reason, custom));
  }
  switch (effect) {
    case 'ALLOW':
      return `Rule ${rule.id} hands over the result of ${call.action}`;
    case 'REDACT':
      return `Rule ${rule.id} redacts the result of ${call.action}`;
    case 'BLOCK':
      return `Rule ${rule.id} withholds the result of ${call.action}`;
    case 'REVIEW':
      return `Rule ${rule.id} holds the result of ${call.action} for review`;
  }
}
