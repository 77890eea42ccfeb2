import { Environment } from '@marcbachmann/cel-js';
import { LineCounter, parseAllDocuments } from 'yaml';
import { RE2_MATCHES, registerRe2Matches, routeMatchesToRe2 } from '../policy/safeRegex';
import {
  LOOP_BUDGET_FUNCTION,
  SUM_BUDGET_FUNCTION,
  loopBudgetError,
  loopBudgetExhausted,
  registerLoopBudget,
  resetEvaluationBudget,
  withLoopBudget,
} from '../policy/loopBudget';
import { yamlMessage } from '../policy/yaml';
import {
  governanceRule,
  type GovernanceProblem,
  type GovernanceRule,
  type Severity4,
} from '../schemas/governance';
import type { AgentManifest, ManifestTool } from '../schemas/manifest';

/**
 * Governance rules: YAML `kind: GovernanceRule` documents whose `when` is CEL over a manifest.
 * Parsed and checked once; evaluated over any number of manifests (pure, no I/O).
 */

// Manifests are plain JSON, so the variables are dynamic maps: a rule reads any manifest field.
const limits = {
  maxAstNodes: 400,
  maxDepth: 32,
  maxListElements: 256,
  maxMapEntries: 128,
  maxCallArguments: 8,
};
const env = new Environment({
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  limits,
})
  .registerVariable('manifest', 'map', { description: 'The agent manifest (agent_manifest.json)' })
  .registerVariable('tool', 'map', { description: 'scope: tool — one entry of manifest.tools' });
registerRe2Matches(env);
registerLoopBudget(env);
// Room for the calls that charge loops to the evaluation budget (see policy/loopBudget.ts).
const runnableEnv = env.clone({
  limits: { ...limits, maxAstNodes: 2 * limits.maxAstNodes, maxDepth: 2 * limits.maxDepth },
});

export interface CompiledGovernanceRule {
  rule: GovernanceRule;
  test: (vars: { manifest: AgentManifest; tool?: ManifestTool }) => unknown;
}

export type ParsedGovernance =
  { ok: true; rules: CompiledGovernanceRule[] } | { ok: false; problems: GovernanceProblem[] };

/** Parses and checks a YAML file of rules; every problem says its line. */
export function parseGovernanceYaml(text: string): ParsedGovernance {
  const lines = new LineCounter();
  const problems: GovernanceProblem[] = [];
  const rules: CompiledGovernanceRule[] = [];
  const seen = new Set<string>();
  for (const doc of parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true })) {
    const line = lines.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
    for (const err of doc.errors) {
      problems.push({
        message: yamlMessage(err.message),
        line: lines.linePos(err.pos[0]).line,
      });
    }
    if (doc.errors.length || doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (e) {
      problems.push({ message: yamlMessage((e as Error).message), line });
      continue;
    }
    const parsed = governanceRule.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ message: `${issue.path.join('.') || 'document'}: ${issue.message}`, line });
      }
      continue;
    }
    if (seen.has(parsed.data.id))
      problems.push({ message: `rule id "${parsed.data.id}" appears twice`, line });
    seen.add(parsed.data.id);
    const compiled = compileRule(parsed.data);
    if ('problem' in compiled)
      problems.push({ message: `${parsed.data.id}: ${compiled.problem}`, line });
    else rules.push(compiled);
  }
  if (!problems.length && !rules.length)
    problems.push({ message: 'no GovernanceRule documents found', line: null });
  return problems.length ? { ok: false, problems } : { ok: true, rules };
}

/** Checks a rule's CEL once; the returned test throws only on data the rule did not expect. */
export function compileRule(rule: GovernanceRule): CompiledGovernanceRule | { problem: string } {
  try {
    const checked = env.parse(rule.when).check();
    if (!checked.valid) return { problem: checked.error?.message ?? 'invalid expression' };
    if (rule.when.includes(RE2_MATCHES))
      return { problem: `unknown function ${RE2_MATCHES}(); use matches()` };
    if (rule.when.includes(LOOP_BUDGET_FUNCTION))
      return { problem: `unknown function ${LOOP_BUDGET_FUNCTION}()` };
    if (rule.when.includes(SUM_BUDGET_FUNCTION))
      return { problem: `unknown function ${SUM_BUDGET_FUNCTION}()` };
    // Checked as written; run with `matches` on RE2 (linear time on agent-written manifests) and
    // loops charged to a per-evaluation budget.
    const parsed = runnableEnv.parse(withLoopBudget(rule.when, env.parse(rule.when).ast));
    routeMatchesToRe2(parsed.ast);
    if (!parsed.check().valid) return { problem: 'invalid expression' };
    // `tool` is only bound per tool; an agent-scope rule reading it would fail on every manifest.
    if (rule.scope === 'agent' && /(^|[^.\w])tool\./.test(rule.when)) {
      return { problem: '`tool` is only available with scope: tool' };
    }
    return {
      rule,
      test: (vars) => {
        resetEvaluationBudget();
        const value = parsed(vars) as unknown;
        if (loopBudgetExhausted()) throw loopBudgetError();
        return value;
      },
    };
  } catch (e) {
    return { problem: (e as Error).message.split('\n')[0] ?? 'invalid expression' };
  }
}

export interface GovernanceFinding {
  ruleId: string;
  agent: string;
  tool: string | null;
  severity: Severity4;
  title: string;
  explanation: string;
  remediation: string;
}

/** The stable identity of a finding: one violation per rule, agent and tool. */
export const findingKey = (f: Pick<GovernanceFinding, 'ruleId' | 'agent' | 'tool'>) =>
  `${f.ruleId}|${f.agent}|${f.tool ?? ''}`;

const fill = (text: string, manifest: AgentManifest, tool: string | null) =>
  text
    .replaceAll('{{agent}}', manifest.agent.name)
    .replaceAll('{{tool}}', tool ?? '')
    .replaceAll('{{owner}}', manifest.agent.owner || 'nobody');

/** The findings of every rule on one manifest. A rule that errors on it is reported, not thrown. */
export function evaluateGovernance(
  rules: readonly CompiledGovernanceRule[],
  manifest: AgentManifest,
  onError?: (ruleId: string, error: Error) => void,
): GovernanceFinding[] {
  const findings: GovernanceFinding[] = [];
  const found = (r: GovernanceRule, tool: string | null) => {
    const explanation = r.explanation || `${r.description}.`;
    findings.push({
      ruleId: r.id,
      agent: manifest.agent.name,
      tool,
      severity: r.severity,
      title: fill(r.description, manifest, tool),
      explanation: fill(explanation, manifest, tool),
      remediation: fill(r.remediation, manifest, tool),
    });
  };
  for (const { rule, test } of rules) {
    try {
      if (rule.scope === 'tool') {
        for (const tool of manifest.tools)
          if (test({ manifest, tool }) === true) found(rule, tool.name);
      } else if (test({ manifest }) === true) found(rule, null);
    } catch (e) {
      onError?.(rule.id, e as Error);
    }
  }
  return findings;
}
