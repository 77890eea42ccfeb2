import { describe, expect, it } from 'vitest';
import { compilePolicy, compilePolicyOrThrow } from './compile';
import { evaluatePolicy } from './evaluate';
import { evaluateResult } from './evaluateResult';
import { compileRule, evaluateGovernance } from '../governance/rules';
import { LOOP_STEP_BUDGET, MAX_NESTED_LITERAL_ITERATIONS } from './loopBudget';

// Review 6: conditions run on the server's event loop, and loops nested over literal lists
// multiplied to 52 M evaluations (~6 s, every other request waiting) in a 671-byte draft.

const literal = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
/** `[0..n-1].exists(v0, [0..n-1].exists(v1, … false))`, `depth` deep: the review's shape. */
const nested = (n: number, depth: number) => {
  let expr = 'false';
  for (let d = depth - 1; d >= 0; d--) expr = `${literal(n)}.exists(v${d}, ${expr})`;
  return expr;
};
const policy = (when: string, effect = 'BLOCK', on?: 'result') => ({
  kind: 'AgentPolicy',
  agent: 'a1',
  default: 'ALLOW',
  rules: [{ id: 'loops', actions: ['pay'], when, effect, ...(on ? { on } : {}) }],
});
const call = (args: Record<string, unknown>) => ({ agent: { name: 'a1' }, action: 'pay', args });
const numbers = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('loops: bounded when saved', () => {
  it("refuses the review's five loops over literal lists, naming the rule and the bound", () => {
    const result = compilePolicy(policy(nested(35, 5)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ ruleId: 'loops', path: ['rules', 0, 'when'] });
    expect(result.problems[0]!.text).toContain('rule "loops" when:');
    expect(result.problems[0]!.message).toBe(
      `nested comprehensions would evaluate up to ${35 ** 3} times (the product of the literal lists' sizes); limit ${MAX_NESTED_LITERAL_ITERATIONS}`,
    );
  });

  it('keeps small nested loops over literal lists, and a literal list inside a loop over data', () => {
    const small = compilePolicyOrThrow(
      policy(`${literal(3)}.exists(i, ${literal(3)}.exists(j, args.n == double(i * 3 + j)))`),
    );
    expect(evaluatePolicy(small, call({ n: 8 })).verdict).toBe('BLOCKED');
    expect(evaluatePolicy(small, call({ n: 9 })).verdict).toBe('ALLOWED');
    const prefixes = compilePolicyOrThrow(
      policy('["ab", "cd"].exists(p, args.names.exists(n, n.startsWith(p)))'),
    );
    expect(evaluatePolicy(prefixes, call({ names: ['xx', 'cdz'] })).verdict).toBe('BLOCKED');
    expect(evaluatePolicy(prefixes, call({ names: ['xx'] })).verdict).toBe('ALLOWED');
  });

  it('does not let a condition call the budget function itself', () => {
    const result = compilePolicy(policy('aegis_loop(args.xs, -1000000000).exists(x, x == 1.0)'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toMatch(/unknown function aegis_loop\(\)/);
  });
});

describe('loops: bounded when run', () => {
  // Within the bound when saved (100 × 100 over literal lists), but multiplied by an agent's list.
  const heavy = `args.xs.exists(x, ${literal(100)}.exists(i, ${literal(100)}.exists(j, x == double(i + j) + 1000.0)))`;

  it('a condition past the step budget fails closed with the reason, not a stall', () => {
    const compiled = compilePolicyOrThrow(policy(heavy));
    expect(evaluatePolicy(compiled, call({ xs: numbers(2) })).verdict).toBe('ALLOWED');
    const decision = evaluatePolicy(compiled, call({ xs: numbers(1000) }));
    expect(decision).toMatchObject({ verdict: 'BLOCKED', rule: { id: 'loops' } });
    expect(decision.errors?.[0]?.message).toMatch(
      new RegExp(`loops would run more than ${LOOP_STEP_BUDGET} steps`),
    );
    expect(decision.reason).toMatch(/could not be evaluated/);
    // An ALLOW rule that can't be evaluated asks for review.
    const allow = compilePolicyOrThrow({ ...policy(heavy, 'ALLOW'), default: 'BLOCK' });
    expect(evaluatePolicy(allow, call({ xs: numbers(1000) })).verdict).toBe('REVIEW');
  });

  it('is an error even where CEL would absorb it (`||` with true, another element of exists)', () => {
    const absorbed = compilePolicyOrThrow(
      policy(
        `args.xs.exists(x, x == 999.0 || ${literal(100)}.exists(i, ${literal(100)}.exists(j, false)))`,
        'ALLOW',
      ),
    );
    const decision = evaluatePolicy(absorbed, call({ xs: numbers(1000) }));
    expect(decision.verdict).toBe('REVIEW');
    expect(decision.errors?.[0]?.message).toMatch(/loops would run more than/);
  });

  it('is per decision: the next one starts afresh', () => {
    const compiled = compilePolicyOrThrow(policy(heavy));
    expect(evaluatePolicy(compiled, call({ xs: numbers(1000) })).errors).toHaveLength(1);
    expect(evaluatePolicy(compiled, call({ xs: numbers(2) }))).toMatchObject({
      verdict: 'ALLOWED',
    });
    expect(evaluatePolicy(compiled, call({ xs: numbers(2) })).errors).toBeUndefined();
  });

  it('leaves what loops compute unchanged: map, filter, exists_one, all, over lists and maps', () => {
    const when =
      'args.xs.map(x, x * 2.0).filter(y, y > 2.0).size() == 2 && args.xs.exists_one(x, x == 1.0) && args.m.all(k, k.startsWith("k")) && {"a": 1}.exists(k, k == "a")';
    const compiled = compilePolicyOrThrow(policy(when));
    expect(evaluatePolicy(compiled, call({ xs: [0, 1, 2, 3], m: { k1: 1, k2: 2 } })).verdict).toBe(
      'BLOCKED',
    );
    expect(evaluatePolicy(compiled, call({ xs: [0, 1, 2, 3, 4], m: { k1: 1 } })).verdict).toBe(
      'ALLOWED',
    );
  });

  it('bounds result rules too', () => {
    const compiled = compilePolicyOrThrow(policy(heavy, 'ALLOW', 'result'));
    const decision = evaluateResult(compiled, call({ xs: numbers(1000) }));
    expect(decision).toMatchObject({ effect: 'REVIEW', rule: { id: 'loops' } });
    expect(decision.reason).toMatch(/loops would run more than/);
  });

  it('bounds governance rules (agent-written manifests) too', () => {
    const compiled = compileRule({
      kind: 'GovernanceRule',
      id: 'g',
      description: 'loops',
      scope: 'agent',
      severity: 'high',
      when: `manifest.tools.exists(t, ${literal(100)}.exists(i, ${literal(100)}.exists(j, t.name == string(i + j))))`,
      explanation: 'e',
      remediation: 'r',
      controls: {},
    });
    if ('problem' in compiled) throw new Error(compiled.problem);
    const tools = numbers(1000).map((i) => ({ name: `t${i}` }));
    const errors: string[] = [];
    const manifest = { agent: { name: 'a1' }, tools } as never;
    expect(evaluateGovernance([compiled], manifest, (_id, e) => errors.push(e.message))).toEqual(
      [],
    );
    expect(errors).toEqual([expect.stringMatching(/loops would run more than/)]);
    expect(
      compiled.test({ manifest: { agent: { name: 'a1' }, tools: [{ name: '5' }] } as never }),
    ).toBe(true);
  });
});

// Review 11: no loop needed — `args.l + args.l + … + args.l`, 60 terms over a 30,000-element
// argument, copied 55 M elements (7 s of a stalled server) in a 548-character draft.
describe('concatenation: bounded when run', () => {
  const chain = (n: number) =>
    `size(${Array.from({ length: n }, () => 'args.l').join(' + ')}) == 0`;

  it('a chain of `+` past the step budget fails closed with the reason, not a stall', () => {
    const compiled = compilePolicyOrThrow(policy(chain(30)));
    expect(evaluatePolicy(compiled, call({ l: numbers(10) })).verdict).toBe('ALLOWED');
    const decision = evaluatePolicy(compiled, call({ l: numbers(30_000) }));
    expect(decision).toMatchObject({ verdict: 'BLOCKED', rule: { id: 'loops' } });
    expect(decision.errors?.[0]?.message).toMatch(/list elements × the `\+`s that copy them/);
    // Parenthesised the other way round, and inside a loop's body, too.
    const right = compilePolicyOrThrow(
      policy(`size(args.l + (args.l + (args.l + (args.l + args.l)))) == 0`),
    );
    expect(evaluatePolicy(right, call({ l: numbers(200_000) })).verdict).toBe('BLOCKED');
    const inLoop = compilePolicyOrThrow(
      policy(`args.xs.exists(x, size(args.l + args.l + args.l) == 0)`),
    );
    expect(
      evaluatePolicy(inLoop, call({ xs: numbers(100), l: numbers(30_000) })).errors,
    ).toHaveLength(1);
  });

  it('leaves what `+` computes unchanged: numbers, strings, lists, times', () => {
    const when =
      '[1.0] + args.xs + [4.0] == [1.0, 2.0, 3.0, 4.0] && "a" + args.s + "c" == "abc" && args.n + 1.0 + 2.0 == 4.0 && 1 + (2 + 3) == 6 && args.xs.map(x, x + 1.0) + [0.0] == [3.0, 4.0, 0.0] && timestamp("2026-01-01T00:00:00Z") + duration("1h") > timestamp("2026-01-01T00:00:00Z") && -(1 + 2) == -3';
    const compiled = compilePolicyOrThrow(policy(when));
    expect(evaluatePolicy(compiled, call({ xs: [2, 3], s: 'b', n: 1 })).verdict).toBe('BLOCKED');
    expect(evaluatePolicy(compiled, call({ xs: [2, 3], s: 'x', n: 1 })).verdict).toBe('ALLOWED');
  });

  it('does not let a condition call the charging function itself', () => {
    const result = compilePolicy(policy('size(aegis_sum(args.xs, -1000000000)) > 0'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toMatch(/unknown function aegis_sum\(\)/);
  });
});
