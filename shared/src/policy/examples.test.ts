import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicyYaml } from './yaml';
import { formatPolicyTestResults, parsePolicyTestsYaml, runPolicyTests } from './testRunner';
import type { CompiledPolicy } from './compile';

const DIR = join(import.meta.dirname, '..', '..', '..', 'examples', 'policies');

function load() {
  const policies: CompiledPolicy[] = [];
  let testText = '';
  for (const name of readdirSync(DIR).sort()) {
    const text = readFileSync(join(DIR, name), 'utf8');
    if (name === 'tests.yaml') testText = text;
    else {
      const r = compilePolicyYaml(text, name);
      if (!r.ok) throw new Error(r.problems.map((p) => p.text).join('\n'));
      policies.push(...r.policies);
    }
  }
  return { policies, testText };
}

describe('examples/policies', () => {
  it('compile, and their YAML test cases pass', () => {
    const { policies, testText } = load();
    expect(policies.map((p) => p.agent ?? 'global').sort()).toEqual(['customer_support', 'fraud_detection', 'global', 'loan_processor', 'marketing_outreach']);
    const parsed = parsePolicyTestsYaml(testText, 'tests.yaml');
    if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.text).join('\n'));
    const results = runPolicyTests(policies, parsed.cases, 'tests.yaml');
    expect(formatPolicyTestResults(results)).toBe(`${results.length} passed, 0 failed`);
  });

  it('a broken case fails with a readable diff', () => {
    const { policies, testText } = load();
    const parsed = parsePolicyTestsYaml(testText.replace('expect: { verdict: BLOCKED, rule: no-deletes }', 'expect: { verdict: ALLOWED, rule: nope }'), 'tests.yaml');
    if (!parsed.ok) throw new Error('parse');
    const out = formatPolicyTestResults(runPolicyTests(policies, parsed.cases, 'tests.yaml'));
    expect(out).toContain('FAIL tests.yaml: deleting records is blocked globally');
    expect(out).toContain('verdict: expected ALLOWED, got BLOCKED (rule no-deletes: Rule no-deletes blocks delete_records)');
    expect(out).toContain('rule: expected nope, got no-deletes');
    expect(out).toMatch(/\n13 passed, 1 failed$/);
  });

  it('test files are checked with positions', () => {
    const r = parsePolicyTestsYaml('kind: PolicyTests\ntests:\n  - name: x\n    call: { agent: a, action: b }\n    expect: { verdict: MAYBE }\n', 't.yaml');
    expect(r.ok ? '' : r.problems[0]!.text).toMatch(/^t\.yaml:5:24: tests\.0\.expect\.verdict: /);
  });
});
