import type { ParseResult } from '@marcbachmann/cel-js';
import { validateCustomDetector, type CustomDetector } from '../dlp/custom/customDetector';
import {
  MAX_EXPRESSION,
  MAX_REASON,
  MAX_RULES,
  policyDocument,
  type AgentSelector,
  type ApprovalRuleSpec,
  type PolicyDocument,
  type ResultEffect,
  type RuleEffect,
  type RuleSeverity,
} from '../schemas/policyRules';
import { channelUsePath, channelUses, unknownChannelMessage } from './channels';
import { compileExpression, dlpLiteralNames, identifiersRead, quotedNumbersOrdered } from './expression';
import { BUILTIN_DETECTORS, DETECTOR_CATEGORIES } from '../dlp/types';
import type { FastCondition } from './fastCondition';
import { emptyNeeds, isEmptyNeeds, mergeNeeds, type FactNeeds } from './facts';
import { isGlob, nameMatcher } from './glob';
import { parseTemplate, type TemplatePart } from './interpolate';
import { problemAt, type PolicyProblem, type SourceMap } from './problems';

/** The agent facts rules select on. */
export interface PolicyAgent {
  name: string;
  owner?: string;
  labels?: Readonly<Record<string, string>>;
}

export type PolicyScope = 'agent' | 'global';

export interface CompiledRule {
  id: string;
  scope: PolicyScope;
  /** Position in its policy: earlier rules win ties. */
  order: number;
  /** REDACT on a call rule: the call runs, with what DLP found in its arguments masked. */
  effect: ResultEffect;
  severity: RuleSeverity;
  priority: number;
  description?: string;
  when?: string;
  program?: ParseResult;
  /** The condition's faster path for common shapes (`fastCondition.ts`); null: interpreted. */
  fast?: FastCondition | null;
  reason?: TemplatePart[];
  notify?: string[];
  /** REVIEW rules: quorum, SLA and escalation of the approvals it opens. */
  approval?: ApprovalRuleSpec;
  actions: string[];
  matchesAction: (action: string) => boolean;
  /** Global rules only; agent rules apply to their policy's agent. */
  matchesAgent?: (agent: PolicyAgent) => boolean;
  needs: FactNeeds;
}

/** An `on: result` rule: same selection, condition and effects as a call rule. */
export type CompiledResultRule = CompiledRule;

export interface CompiledPolicy {
  kind: 'AgentPolicy' | 'GlobalPolicy';
  scope: PolicyScope;
  agent?: string;
  version: number;
  default?: RuleEffect;
  /** Rules deciding a call (`on: call`, the default). */
  rules: CompiledRule[];
  /** Rules deciding what happens to a call's result (`on: result`), in document order. */
  resultRules: CompiledResultRule[];
  /** Custom DLP detectors declared in the policy, validated and compiled. */
  detectors: CustomDetector[];
  /** Everything any rule of this policy needs beyond the call. */
  needs: FactNeeds;
  document: PolicyDocument;
}

export type CompileResult = { ok: true; policy: CompiledPolicy } | { ok: false; problems: PolicyProblem[] };

export interface CompileOptions {
  /** The stored version the policy will be known by (0 for a draft). */
  version?: number;
  /** Where the document came from, so problems point into the file. */
  source?: SourceMap;
  /**
   * When a policy is saved: refuse an agent policy's rule that asks `dlp` about a name no
   * detector or category has (`dlp.found('credit_card')` for `card`: a rule that can never fire),
   * an `on: result` rule reading facts a result is not judged with (`args`, `history`…), and a
   * quoted number ordered against a value (`args.amount > '1000'`: fails closed on every call).
   * The names given here (the global policy's custom detectors) count as known too.
   */
  checkDetectorNames?: { alsoKnown: readonly string[] };
  /**
   * When a policy is saved: the notification channels there are. A rule whose `notify:` or
   * `approval.escalate:` names another is refused (its approvals would reach nobody).
   */
  knownChannels?: readonly string[];
}

function agentMatcher(selectors: readonly AgentSelector[] | undefined): ((agent: PolicyAgent) => boolean) | undefined {
  if (!selectors) return undefined;
  const names = nameMatcher(selectors.filter((s): s is string => typeof s === 'string'));
  const labelSets = selectors.filter((s) => typeof s !== 'string').map((s) => Object.entries(s.labels));
  return (agent) =>
    names(agent.name) ||
    labelSets.some((wanted) => wanted.every(([k, v]) => agent.labels?.[k] !== undefined && (v === '*' || agent.labels[k] === v)));
}

/**
 * Validates a policy document and compiles it: every `when` parsed and type-checked once, fact
 * queries extracted, reasons parsed. Returns every problem found, each with its rule and position.
 */
export function compilePolicy(input: unknown, options: CompileOptions = {}): CompileResult {
  const parsed = policyDocument.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const ruleIndex = issue.path[0] === 'rules' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
        const ruleId = ruleIndex === undefined ? undefined : ruleIdAt(input, ruleIndex);
        // An unknown key is shown where it is written, not at the start of the object holding it.
        const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
        const path = [...(issue.path as (string | number)[]), ...(unknown === undefined ? [] : [unknown])];
        return problemAt(options.source, path, issue.message, { ruleId, atKey: unknown !== undefined });
      }).concat(rawExpressionProblems(input, options.source)),
    };
  }
  const doc = parsed.data;
  const scope: PolicyScope = doc.kind === 'AgentPolicy' ? 'agent' : 'global';
  const problems: PolicyProblem[] = [];
  const rules: CompiledRule[] = [];
  const resultRules: CompiledResultRule[] = [];
  const detectors: CustomDetector[] = [];
  (doc.detectors ?? []).forEach((spec, i) => {
    const checked = validateCustomDetector(spec);
    if (checked.ok) detectors.push(checked.detector);
    else problems.push(problemAt(options.source, ['detectors', i, 'pattern'], checked.error));
  });
  let needs = emptyNeeds();
  doc.rules.forEach((spec, order) => {
    const at = ['rules', order];
    const rule: CompiledResultRule = {
      id: spec.id,
      scope,
      order,
      effect: spec.effect,
      severity: spec.severity ?? (spec.effect === 'BLOCK' ? 'high' : 'medium'),
      priority: spec.priority ?? 0,
      description: spec.description,
      when: spec.when,
      notify: spec.notify,
      approval: spec.approval,
      actions: spec.actions,
      matchesAction: nameMatcher(spec.actions),
      matchesAgent: agentMatcher(spec.agents),
      needs: emptyNeeds(),
    };
    if (spec.when !== undefined) {
      const compiled = compileExpression(spec.when);
      if (compiled.ok) {
        rule.program = compiled.program;
        rule.fast = compiled.fast;
        rule.needs = compiled.needs;
      } else {
        for (const p of compiled.problems) {
          problems.push(problemAt(options.source, [...at, 'when'], p.message, { ruleId: spec.id, text: spec.when, offset: p.start }));
        }
      }
    }
    if (spec.reason !== undefined) {
      const template = parseTemplate(spec.reason);
      if (template.ok) rule.reason = template.parts;
      else {
        for (const p of template.problems) {
          problems.push(problemAt(options.source, [...at, 'reason'], p.message, { ruleId: spec.id, text: spec.reason, offset: p.start }));
        }
      }
    }
    if (spec.on === 'result') resultRules.push(rule);
    else {
      // Merging builds new maps and sets: only for the rules that need something.
      if (!isEmptyNeeds(rule.needs)) needs = mergeNeeds(needs, rule.needs);
      rules.push(rule);
    }
  });
  if (options.checkDetectorNames) {
    // A result is judged after the tool ran, from what DLP found in it: these facts are not there,
    // so a rule reading them would fail closed on every result.
    for (const rule of resultRules) {
      if (!rule.program || rule.when === undefined) continue;
      const unseen = identifiersRead(rule.program.ast).filter((id) => NOT_IN_RESULT_RULES.has(id));
      for (const id of unseen)
        problems.push(
          problemAt(
            options.source,
            ['rules', rule.order, 'when'],
            `an on: result rule can't read \`${id}\` (it sees dlp, agent, action and tool); ` +
              `decide on ${id === 'args' ? 'arguments' : id} in a call rule instead`,
            { ruleId: rule.id, text: rule.when, offset: Math.max(0, rule.when.indexOf(id)) },
          ),
        );
    }
  }
  if (options.checkDetectorNames) {
    for (const rule of [...rules, ...resultRules]) {
      if (!rule.program || rule.when === undefined) continue;
      for (const { literal, message } of quotedNumbersOrdered(rule.program.ast)) {
        const at = [`'${literal}'`, `"${literal}"`].map((q) => rule.when!.indexOf(q)).find((i) => i >= 0);
        problems.push(
          problemAt(options.source, ['rules', rule.order, 'when'], message, {
            ruleId: rule.id,
            text: rule.when,
            ...(at === undefined ? {} : { offset: at }),
          }),
        );
      }
    }
  }
  if (options.checkDetectorNames && doc.kind === 'AgentPolicy') {
    const known = new Set<string>([
      ...KNOWN_DLP_NAMES,
      ...detectors.map((d) => d.name),
      ...options.checkDetectorNames.alsoKnown,
    ]);
    for (const rule of [...rules, ...resultRules]) {
      if (!rule.program || rule.when === undefined) continue;
      for (const name of dlpLiteralNames(rule.program.ast)) {
        if (known.has(name)) continue;
        const at = rule.when.indexOf(`'${name}'`) >= 0 ? rule.when.indexOf(`'${name}'`) : rule.when.indexOf(`"${name}"`);
        problems.push(
          problemAt(options.source, ['rules', rule.order, 'when'], unknownDetectorMessage(name, known), {
            ruleId: rule.id,
            text: rule.when,
            ...(at >= 0 ? { offset: at } : {}),
          }),
        );
      }
    }
  }
  if (options.knownChannels) {
    const known = new Set(options.knownChannels);
    for (const use of channelUses(doc)) {
      if (known.has(use.channel)) continue;
      problems.push(problemAt(options.source, channelUsePath(use), unknownChannelMessage(use.channel), { ruleId: use.ruleId }));
    }
  }
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    policy: {
      kind: doc.kind,
      scope,
      agent: doc.kind === 'AgentPolicy' ? doc.agent : undefined,
      version: options.version ?? 0,
      default: doc.default,
      rules,
      resultRules,
      detectors,
      needs,
      document: doc,
    },
  };
}

/**
 * The conditions and reasons of a document that failed validation, checked anyway: a person fixing
 * a typo'd effect should not discover a broken condition only on the next attempt. Only string
 * values within the schema's own bounds are parsed, so a rejected document costs no more than a
 * valid one.
 */
function rawExpressionProblems(input: unknown, source: SourceMap | undefined): PolicyProblem[] {
  const rules = (input as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) return [];
  const problems: PolicyProblem[] = [];
  rules.slice(0, MAX_RULES).forEach((raw: unknown, order) => {
    if (!raw || typeof raw !== 'object') return;
    const { id, when, reason } = raw as { id?: unknown; when?: unknown; reason?: unknown };
    const ruleId = typeof id === 'string' ? id : undefined;
    if (typeof when === 'string' && when.length > 0 && when.length <= MAX_EXPRESSION) {
      const compiled = compileExpression(when);
      if (!compiled.ok) {
        for (const p of compiled.problems) problems.push(problemAt(source, ['rules', order, 'when'], p.message, { ruleId, text: when, offset: p.start }));
      }
    }
    if (typeof reason === 'string' && reason.length <= MAX_REASON) {
      const template = parseTemplate(reason);
      if (!template.ok) {
        for (const p of template.problems) problems.push(problemAt(source, ['rules', order, 'reason'], p.message, { ruleId, text: reason, offset: p.start }));
      }
    }
  });
  return problems;
}

function ruleIdAt(input: unknown, index: number): string | undefined {
  const rules = (input as { rules?: unknown } | null)?.rules;
  const id = Array.isArray(rules) ? (rules[index] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** Compiles or throws one error listing every problem (for code that holds known-good policies). */
export function compilePolicyOrThrow(input: unknown, options: CompileOptions = {}): CompiledPolicy {
  const result = compilePolicy(input, options);
  if (!result.ok) throw new PolicyCompileError(result.problems);
  return result.policy;
}

export class PolicyCompileError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(problems.map((p) => p.text).join('\n'));
    this.name = 'PolicyCompileError';
  }
}

/** Whether any pattern of the rule is a glob (used by the action index). */
export function hasGlobAction(rule: CompiledRule): boolean {
  return rule.actions.some(isGlob);
}

/** Facts a call rule has and a result rule does not. */
const NOT_IN_RESULT_RULES: ReadonlySet<string> = new Set(['args', 'history', 'session', 'anomaly']);

/** Built-in detectors, their categories, and `custom` (any custom detector). */
const KNOWN_DLP_NAMES: readonly string[] = [...BUILTIN_DETECTORS, ...Object.keys(DETECTOR_CATEGORIES), 'custom'];

function unknownDetectorMessage(name: string, known: ReadonlySet<string>): string {
  const lower = name.toLowerCase();
  const names = [...known].sort();
  // 'credit_card' → 'card'; 'emial' → 'email'.
  const within = names.filter((k) => lower.includes(k) || k.includes(lower)).sort((a, b) => b.length - a.length)[0];
  const nearest = names.map((k) => ({ k, d: editDistance(lower, k) })).sort((a, b) => a.d - b.d)[0];
  const guess = within ?? (nearest && nearest.d <= 2 ? nearest.k : undefined);
  const hint = guess ? `did you mean '${guess}'? ` : '';
  return (
    `no detector or category is called '${name}', so this condition can never see it; ${hint}` +
    `names: ${names.join(', ')} (or declare a custom detector under \`detectors\`)`
  );
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
