import { describe, expect, it } from 'vitest';
import { policyDlpFindings, scanValue } from '../dlp';
import { compilePolicy, compilePolicyOrThrow } from './compile';
import { evaluatePolicy } from './evaluate';
import { evaluateResult, resultRulesFor } from './evaluateResult';
import { policyDocumentYaml } from './diff';
import { effectiveAgentDocument } from './effective';
import { policySet } from './policySet';
import { seedListsFor } from './seed';

const agent = { name: 'support' };

const policy = compilePolicyOrThrow({
  kind: 'AgentPolicy',
  agent: 'support',
  default: 'ALLOW',
  detectors: [{ name: 'employee_id', pattern: 'EMP-\\d{6}' }],
  rules: [
    { id: 'card-out', actions: ['send_*'], when: "dlp.found('financial')", effect: 'BLOCK' },
    { id: 'ssn-redact', on: 'result', actions: ['lookup_customer'], when: "dlp.foundIn('result', 'ssn')", effect: 'REDACT' },
    { id: 'secret-drop', on: 'result', actions: ['*'], when: "dlp.foundIn('result', 'secret')", effect: 'BLOCK' },
    { id: 'staff-hold', on: 'result', actions: ['*'], when: "dlp.found('employee_id')", effect: 'REVIEW' },
  ],
});

function onResult(action: string, result: unknown, args: Record<string, unknown> = {}) {
  const findings = policyDlpFindings({
    args: scanValue(args, { custom: policy.detectors }),
    result: scanValue(result, { custom: policy.detectors }),
  });
  return evaluateResult(policy, { agent, action, args }, { facts: { dlp: findings } });
}

describe('on: result rules', () => {
  it('redact, block and review a result by what DLP found in it; nothing found hands it over', () => {
    expect(onResult('lookup_customer', { name: 'Ann', ssn: '123-45-6789' })).toMatchObject({ effect: 'REDACT', rule: { id: 'ssn-redact' } });
    expect(onResult('lookup_customer', { note: 'key AKIAIOSFODNN7EXAMPLE' })).toMatchObject({ effect: 'BLOCK', rule: { id: 'secret-drop' } });
    expect(onResult('lookup_customer', { owner: 'EMP-123456' })).toMatchObject({ effect: 'REVIEW', rule: { id: 'staff-hold' } });
    expect(onResult('lookup_customer', { name: 'Ann', balance: 12 })).toEqual({ effect: 'ALLOW', reason: 'No result rule matched', rule: null });
  });

  it('the strictest matching rule wins; an SSN only in the arguments does not redact the result', () => {
    expect(onResult('lookup_customer', { ssn: '123-45-6789', token: 'AKIAIOSFODNN7EXAMPLE' }).effect).toBe('BLOCK');
    expect(onResult('lookup_customer', { ok: true }, { ssn: '123-45-6789' }).effect).toBe('ALLOW');
  });

  it('result rules do not decide calls, and a call rule reads categories', () => {
    expect(policy.rules.map((r) => r.id)).toEqual(['card-out']);
    expect(resultRulesFor(policy, agent, 'lookup_customer').map((r) => r.id)).toEqual(['ssn-redact', 'secret-drop', 'staff-hold']);
    const args = { message: 'card 4111 1111 1111 1111' };
    const dlp = policyDlpFindings({ args: scanValue(args) });
    expect(evaluatePolicy(policy, { agent, action: 'send_notification', args }, { facts: { dlp } })).toMatchObject({ verdict: 'BLOCKED' });
  });

  it('a condition that cannot be evaluated holds the result (fails closed)', () => {
    const p = compilePolicyOrThrow({
      kind: 'GlobalPolicy',
      rules: [{ id: 'odd', on: 'result', actions: ['*'], when: "session.touched('pii')", effect: 'REDACT' }],
    });
    const d = evaluateResult(policySet({ global: p }), { agent, action: 'x' }, { facts: { dlp: [] } });
    expect(d.effect).toBe('REVIEW');
    expect(d.errors?.[0]?.ruleId).toBe('odd');
  });
});

describe('policy documents with DLP', () => {
  it('refuses a custom detector that could backtrack catastrophically, naming it', () => {
    const r = compilePolicy({
      kind: 'GlobalPolicy',
      detectors: [
        { name: 'ok_one', pattern: 'EMP-\\d{6}' },
        { name: 'evil', pattern: '(a+)+$' },
      ],
      rules: [],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.text).toMatch(/detectors\.1\.pattern.*"evil"/);
  });

  it('refuses a duplicate detector name', () => {
    const r = compilePolicy({
      kind: 'GlobalPolicy',
      detectors: [
        { name: 'emp', pattern: 'EMP-\\d{6}' },
        { name: 'emp', pattern: 'E\\d{6}' },
      ],
      rules: [{ id: 'x', actions: ['*'], effect: 'REDACT' }],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const texts = r.problems.map((p) => p.text).join('\n');
    expect(texts).toMatch(/duplicate detector "emp"/);
  });

  it("the agent's detector of the same name replaces the global one", () => {
    const global = compilePolicyOrThrow({ kind: 'GlobalPolicy', detectors: [{ name: 'emp', pattern: 'EMP-\\d{6}' }], rules: [] });
    const own = compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'support', detectors: [{ name: 'emp', pattern: 'E\\d{4}' }], rules: [] });
    expect(policySet({ global, agent: own }).detectors.map((d) => d.regex.source)).toEqual(['E\\d{4}']);
  });

  it("keeps the document's detectors in the effective agent document and in its YAML", () => {
    const doc = {
      kind: 'AgentPolicy' as const,
      agent: 'support',
      detectors: [{ name: 'emp', pattern: 'EMP-\\d{6}' }],
      rules: [{ id: 'x', on: 'result' as const, actions: ['*'], when: "dlp.found('emp')", effect: 'REVIEW' as const }],
    };
    const effective = effectiveAgentDocument('support', doc, { allowed: ['lookup'] });
    expect(effective.detectors).toEqual(doc.detectors);
    expect(compilePolicyOrThrow(effective).detectors.map((d) => d.name)).toEqual(['emp']);
    expect(policyDocumentYaml(doc)).toMatch(/detectors:\n {2}- name: emp\n {4}pattern: EMP-\\d\{6\}/);
  });
});

describe('REDACT on a call rule (arguments)', () => {
  const masking = compilePolicyOrThrow({
    kind: 'AgentPolicy',
    agent: 'support',
    default: 'ALLOW',
    rules: [
      { id: 'mask-cards', actions: ['send_*'], when: "dlp.found('card')", effect: 'REDACT' },
      { id: 'mask-always', actions: ['log_event'], effect: 'REDACT' },
      { id: 'big-review', actions: ['send_payment'], when: 'args.amount > 100', effect: 'REVIEW' },
      { id: 'odd', actions: ['send_fax'], when: 'args.missing > 1', effect: 'REDACT' },
    ],
  });
  const decide = (action: string, args: Record<string, unknown>) =>
    evaluatePolicy(masking, { agent, action, args }, { facts: { dlp: policyDlpFindings({ args: scanValue(args) }) } });

  it('allows the call and asks for the arguments to be masked when it matches', () => {
    const d = decide('send_notification', { message: 'card 4111 1111 1111 1111' });
    expect(d).toMatchObject({ verdict: 'ALLOWED', redactArgs: true, rule: { id: 'mask-cards' } });
    expect(d.reason).toMatch(/masked/);
    expect(decide('send_notification', { message: 'hello' })).toMatchObject({ verdict: 'ALLOWED', rule: { id: 'default' } });
    expect(decide('send_notification', { message: 'hello' }).redactArgs).toBeUndefined();
  });

  it('is stricter than ALLOW and looser than REVIEW; a failing condition fails closed to REVIEW', () => {
    expect(decide('send_payment', { amount: 500, memo: '4111 1111 1111 1111' })).toMatchObject({ verdict: 'REVIEW', rule: { id: 'big-review' } });
    expect(decide('send_payment', { amount: 5, memo: '4111 1111 1111 1111' })).toMatchObject({ verdict: 'ALLOWED', redactArgs: true });
    const failed = decide('send_fax', {});
    expect(failed.verdict).toBe('REVIEW');
    expect(failed.redactArgs).toBeUndefined();
  });

  it('reads as REVIEW in the seed lists: a client deciding from lists asks the server', () => {
    expect(seedListsFor(masking, agent, ['log_event', 'send_notification']).review).toEqual(['log_event', 'send_notification']);
  });
});
