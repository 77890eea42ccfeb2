import { describe, expect, it } from 'vitest';
import { compilePolicyOrThrow } from './compile';
import { evaluatePolicy, masksWhenApproved } from './evaluate';
import { POLICY_CASES, type PolicyCase } from './cases';
import { policySet } from './policySet';

export function decideCase(c: PolicyCase) {
  const set = policySet({
    global: c.global && compilePolicyOrThrow(c.global, { version: 2 }),
    agent: c.agent && compilePolicyOrThrow(c.agent, { version: 5 }),
  });
  return evaluatePolicy(set, c.call, c.context);
}

describe('evaluatePolicy: the case table', () => {
  it.each(POLICY_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const d = decideCase(c);
    expect(d.verdict).toBe(c.expect.verdict);
    if (c.expect.verdict === 'KILLED') expect(d.rule).toBeNull();
    if (c.expect.rule) expect(d.rule?.id).toBe(c.expect.rule);
    if (c.expect.scope) expect(d.rule?.scope).toBe(c.expect.scope);
    if (c.expect.reason) expect(d.reason).toContain(c.expect.reason);
    expect(Boolean(d.errors?.length)).toBe(Boolean(c.expect.errors));
  });
});

describe('evaluatePolicy', () => {
  const agent = { name: 'a1' };
  it('names the version of the policy the deciding rule came from', () => {
    const global = compilePolicyOrThrow({ kind: 'GlobalPolicy', rules: [{ id: 'g', actions: ['x'], effect: 'BLOCK' }] }, { version: 9 });
    const own = compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'a1', rules: [{ id: 'a', actions: ['y'], effect: 'ALLOW' }] }, { version: 4 });
    const set = policySet({ global, agent: own });
    expect(evaluatePolicy(set, { agent, action: 'x' }).rule).toEqual({ id: 'g', scope: 'global', version: 9 });
    expect(evaluatePolicy(set, { agent, action: 'y' }).rule).toEqual({ id: 'a', scope: 'agent', version: 4 });
    expect(evaluatePolicy(set, { agent, action: 'z' }).rule).toEqual({ id: 'default', scope: 'default', version: 4 });
  });

  it('accepts a single compiled policy', () => {
    const own = compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'a1', default: 'ALLOW', rules: [] });
    expect(evaluatePolicy(own, { agent, action: 'anything' }).verdict).toBe('ALLOWED');
  });

  it('fails closed on a runtime error: BLOCK rules block, others review, and the reason says which rule and why', () => {
    const own = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'a1',
      default: 'ALLOW',
      rules: [
        { id: 'allow-small', actions: ['pay'], when: 'args.amount < 10.0', effect: 'ALLOW' },
        { id: 'block-weird', actions: ['wire'], when: 'args.iban.startsWith("XX")', effect: 'BLOCK' },
      ],
    });
    const pay = evaluatePolicy(own, { agent, action: 'pay', args: { amt: 1 } });
    expect(pay.verdict).toBe('REVIEW');
    expect(pay.reason).toMatch(/Rule allow-small could not be evaluated \(No such key: amount\)/);
    expect(pay.errors).toEqual([{ ruleId: 'allow-small', scope: 'agent', message: 'No such key: amount' }]);
    const wire = evaluatePolicy(own, { agent, action: 'wire', args: { iban: 42 } });
    expect(wire.verdict).toBe('BLOCKED');
    expect(wire.rule?.id).toBe('block-weird');
  });

  it('a failing ALLOW condition does not hide a BLOCK that matches', () => {
    const own = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'a1',
      rules: [
        { id: 'maybe', actions: ['pay'], when: 'args.amount < 10.0', effect: 'ALLOW' },
        { id: 'never', actions: ['pay'], effect: 'BLOCK' },
      ],
    });
    expect(evaluatePolicy(own, { agent, action: 'pay', args: {} }).rule?.id).toBe('never');
  });

  it('uses the index: rules for other actions are never evaluated', () => {
    const rules = Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, actions: [`other_${i}`], when: 'args.boom > 1.0', effect: 'BLOCK' as const }));
    const own = compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'a1', rules: [...rules, { id: 'ok', actions: ['mine'], effect: 'ALLOW' }] });
    const d = evaluatePolicy(own, { agent, action: 'mine', args: {} });
    expect(d).toMatchObject({ verdict: 'ALLOWED', rule: { id: 'ok' } });
    expect(d.errors).toBeUndefined();
  });
});

describe('masksWhenApproved: an approved call still meets the REDACT rules that match it', () => {
  const agent = { name: 'a1' };
  const set = (rules: object[], global: object[] = []) =>
    policySet({
      global: global.length ? compilePolicyOrThrow({ kind: 'GlobalPolicy', rules: global }, { version: 2 }) : undefined,
      agent: compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'a1', rules }, { version: 5 }),
    });
  const review = { id: 'big', actions: ['pay'], when: 'args.amount > 1000.0', effect: 'REVIEW' };
  const redact = { id: 'mask', actions: ['pay'], when: 'args.memo.contains("card")', effect: 'REDACT' };
  const call = (memo: string) => ({ agent, action: 'pay', args: { amount: 5000, memo } });

  it('masks when a REDACT rule matches the call the review held; not when none does', () => {
    const s = set([review, redact]);
    expect(evaluatePolicy(s, call('card 4111')).verdict).toBe('REVIEW');
    expect(masksWhenApproved(s, call('card 4111'))).toBe(true);
    expect(masksWhenApproved(s, call('rent'))).toBe(false);
    expect(masksWhenApproved(set([review]), call('card 4111'))).toBe(false);
  });

  it('a global REDACT rule counts too; an ALLOW of higher priority outranks it, as without the review', () => {
    expect(masksWhenApproved(set([review], [redact]), call('card 4111'))).toBe(true);
    const internal = { id: 'internal', actions: ['pay'], priority: 10, effect: 'ALLOW' };
    expect(masksWhenApproved(set([review, redact, internal]), call('card 4111'))).toBe(false);
  });

  it('a REDACT condition that cannot be evaluated masks (fails closed)', () => {
    const broken = { id: 'mask', actions: ['pay'], when: 'args.missing.contains("card")', effect: 'REDACT' };
    expect(masksWhenApproved(set([review, broken]), call('rent'))).toBe(true);
  });
});
