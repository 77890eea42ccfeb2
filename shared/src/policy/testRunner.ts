import { evaluate } from '@marcbachmann/cel-js';
import { z } from 'zod';
import { agentName, toolArgs } from '../schemas/common';
import { verdict } from '../schemas/decision';
import { actionName } from '../schemas/common';
import { agentLabels } from '../schemas/policyRules';
import { durationMs } from './celEnvironment';
import type { CompiledPolicy } from './compile';
import { evaluatePolicy, type PolicyDecision } from './evaluate';
import { historyKey, type PolicyFacts } from './facts';
import { policySet } from './policySet';
import { parsePolicyYaml } from './yaml';
import type { PolicyProblem } from './problems';

/**
 * `aegis policy test DIR`: YAML test cases — a call in, the expected verdict and rule out —
 * evaluated against compiled policies. Pure: the CLI reads the files, calls this, prints the
 * results and exits 1 on a failure.
 */

const windowText = z.string().regex(/^\d+(\.\d+)?(h|m|s|ms)$/, 'a duration such as 1h, 30m or 10s');

const historyFact = z.union([
  z.object({ count: actionName, window: windowText, value: z.number() }).strict(),
  z.object({ sum: actionName, field: z.string().min(1), window: windowText, value: z.number() }).strict(),
]);

export const policyTestCase = z
  .object({
    name: z.string().min(1).max(200),
    call: z
      .object({
        agent: agentName,
        labels: agentLabels.optional(),
        owner: z.string().max(200).optional(),
        action: actionName,
        args: toolArgs.optional(),
        tool: z.object({ tags: z.array(z.string()).optional(), description: z.string().optional() }).strict().optional(),
      })
      .strict(),
    status: z.enum(['ACTIVE', 'PAUSED']).optional(),
    now: z.iso.datetime({ offset: true }).optional(),
    facts: z
      .object({
        history: z.array(historyFact).optional(),
        sessionTags: z.array(z.string()).optional(),
        dlp: z.array(z.object({ detector: z.string(), where: z.string().default('args'), path: z.string().default(''), count: z.number().int().default(1) })).optional(),
        anomaly: z.record(z.string(), z.number()).optional(),
      })
      .strict()
      .optional(),
    expect: z.object({ verdict, rule: z.string().optional(), reason: z.string().optional() }).strict(),
  })
  .strict();
export type PolicyTestCase = z.infer<typeof policyTestCase>;

export const policyTestDocument = z.object({ kind: z.literal('PolicyTests'), tests: z.array(policyTestCase).min(1) }).strict();

export interface PolicyTestResult {
  file?: string;
  name: string;
  pass: boolean;
  /** Readable lines saying what differed, e.g. `verdict: expected BLOCKED, got REVIEW (rule x)`. */
  diff: string[];
  decision: PolicyDecision;
}

function factsOf(c: PolicyTestCase): PolicyFacts | undefined {
  if (!c.facts) return undefined;
  const history: Record<string, number> = {};
  for (const h of c.facts.history ?? []) {
    const windowMs = durationMs(evaluate(`duration("${h.window}")`) as { seconds: bigint; nanos: number });
    const key = 'count' in h ? historyKey({ kind: 'count', action: h.count, windowMs }) : historyKey({ kind: 'sum', action: h.sum, field: h.field, windowMs });
    history[key] = h.value;
  }
  return { history, sessionTags: c.facts.sessionTags, dlp: c.facts.dlp, anomaly: c.facts.anomaly };
}

/** Runs test cases against the policies: the GlobalPolicy (if any) and each agent's own. */
export function runPolicyTests(policies: readonly CompiledPolicy[], cases: readonly PolicyTestCase[], file?: string): PolicyTestResult[] {
  const global = policies.find((p) => p.scope === 'global');
  const sets = new Map<string, ReturnType<typeof policySet>>();
  const setFor = (agent: string) => {
    let set = sets.get(agent);
    if (!set) {
      set = policySet({ global, agent: policies.find((p) => p.scope === 'agent' && p.agent === agent) });
      sets.set(agent, set);
    }
    return set;
  };
  return cases.map((c) => {
    const decision = evaluatePolicy(
      setFor(c.call.agent),
      { agent: { name: c.call.agent, owner: c.call.owner, labels: c.call.labels }, action: c.call.action, args: c.call.args, tool: c.call.tool },
      { status: c.status, now: c.now ? Date.parse(c.now) : undefined, facts: factsOf(c) },
    );
    const diff: string[] = [];
    const got = `${decision.verdict} (rule ${decision.rule?.id ?? 'none'}: ${decision.reason})`;
    if (decision.verdict !== c.expect.verdict) diff.push(`verdict: expected ${c.expect.verdict}, got ${got}`);
    if (c.expect.rule !== undefined && decision.rule?.id !== c.expect.rule) diff.push(`rule: expected ${c.expect.rule}, got ${decision.rule?.id ?? 'none'}`);
    if (c.expect.reason !== undefined && !decision.reason.includes(c.expect.reason)) diff.push(`reason: expected it to contain "${c.expect.reason}", got "${decision.reason}"`);
    for (const e of decision.errors ?? []) if (diff.length) diff.push(`  note: rule ${e.ruleId} could not be evaluated: ${e.message}`);
    return { file, name: c.name, pass: diff.length === 0, diff, decision };
  });
}

export type ParsedPolicyTests = { ok: true; cases: PolicyTestCase[] } | { ok: false; problems: PolicyProblem[] };

/** Parses a YAML file of `kind: PolicyTests` documents, with positions on every problem. */
export function parsePolicyTestsYaml(text: string, file?: string): ParsedPolicyTests {
  const parsed = parsePolicyYaml(text, file);
  if (!parsed.ok) return parsed;
  const cases: PolicyTestCase[] = [];
  const problems: PolicyProblem[] = [];
  for (const d of parsed.documents) {
    const r = policyTestDocument.safeParse(d.value);
    if (r.success) cases.push(...r.data.tests);
    else {
      for (const issue of r.error.issues) {
        const path = issue.path as (string | number)[];
        const pos = d.source.locate(path);
        const where = [file, pos?.line, pos?.column].filter((x) => x !== undefined).join(':');
        problems.push({ message: issue.message, path, file, line: pos?.line, column: pos?.column, text: `${where ? `${where}: ` : ''}${path.join('.')}: ${issue.message}` });
      }
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, cases };
}

/** A summary like `opa test`: failures with their diffs, then the counts. */
export function formatPolicyTestResults(results: readonly PolicyTestResult[]): string {
  const lines: string[] = [];
  for (const r of results.filter((x) => !x.pass)) {
    lines.push(`FAIL ${r.file ? `${r.file}: ` : ''}${r.name}`, ...r.diff.map((d) => `  ${d}`));
  }
  const failed = results.filter((r) => !r.pass).length;
  lines.push(`${results.length - failed} passed, ${failed} failed`);
  return lines.join('\n');
}
