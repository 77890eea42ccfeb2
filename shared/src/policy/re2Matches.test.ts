import { describe, expect, it } from 'vitest';
import { compilePolicy, compilePolicyOrThrow } from './compile';
import { evaluatePolicy } from './evaluate';
import { compileRule } from '../governance/rules';
import { MATCH_WORK_BUDGET, unsafeRegexReason } from './safeRegex';

// `matches()` runs on RE2: patterns that make JavaScript's RegExp backtrack for seconds to hours
// on agent-written arguments answer at once. Each case below hangs the test (and the firewall)
// when the interpreter's RegExp runs it.
const policyMatching = (pattern: string) =>
  compilePolicyOrThrow({
    kind: 'AgentPolicy',
    agent: 'a1',
    default: 'ALLOW',
    rules: [
      {
        id: 'm',
        actions: ['x'],
        when: `args.s.matches(${JSON.stringify(pattern)})`,
        effect: 'BLOCK',
      },
    ],
  });
const verdict = (pattern: string, s: string) =>
  evaluatePolicy(policyMatching(pattern), { agent: { name: 'a1' }, action: 'x', args: { s } })
    .verdict;

describe('matches() on RE2', () => {
  it("the review's pattern (adjacent bounded repeats) against 181 a's and a '!': an answer, not a 20 s stall", () => {
    const pattern = `^${'a{0,30}'.repeat(6)}$`;
    expect(verdict(pattern, `${'a'.repeat(181)}!`)).toBe('ALLOWED');
    expect(verdict(pattern, 'a'.repeat(180))).toBe('BLOCKED');
  });

  it('nested and overlapping repeats over 64 KiB of agent input', () => {
    const digits = '1'.repeat(65_536);
    expect(verdict('\\d+x', digits)).toBe('ALLOWED');
    expect(verdict('\\d+x', `${digits}x`)).toBe('BLOCKED');
    expect(verdict('(a+)+$', `${'a'.repeat(65_536)}!`)).toBe('ALLOWED');
    expect(verdict('(a|aa)*b', 'a'.repeat(65_536))).toBe('ALLOWED');
  });

  it("keeps CEL's semantics: a search anywhere in the string, RE2 syntax (flags, classes, names)", () => {
    expect(verdict('bank', 'my-bank.example')).toBe('BLOCKED');
    expect(verdict('^bank', 'my-bank.example')).toBe('ALLOWED');
    expect(verdict('(?i)^BANK', 'bank')).toBe('BLOCKED');
    expect(verdict('^\\p{Lu}\\d{3}$', 'Ä123')).toBe('BLOCKED');
    expect(verdict('(?P<id>C-\\d+)', 'ticket C-1042')).toBe('BLOCKED');
  });

  it('what RE2 cannot run is refused when the policy is saved, saying why', () => {
    const r = compilePolicy({
      kind: 'AgentPolicy',
      agent: 'a1',
      rules: [{ id: 'm', actions: ['x'], when: 'args.s.matches("(?=a)b")', effect: 'BLOCK' }],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]?.message).toMatch(/not a valid RE2 pattern/);
  });

  it('the internal name cannot be called directly (it would skip the literal-pattern check)', () => {
    const r = compilePolicy({
      kind: 'AgentPolicy',
      agent: 'a1',
      rules: [
        { id: 'm', actions: ['x'], when: 'args.s.aegis_re2_matches(args.p)', effect: 'BLOCK' },
      ],
    });
    expect(r.ok).toBe(false);
  });

  it('governance rules run matches() on RE2 too (tool descriptions are written by agents)', () => {
    const compiled = compileRule({
      kind: 'GovernanceRule',
      id: 'g',
      description: 'no pathological descriptions',
      scope: 'tool',
      severity: 'high',
      when: 'tool.description.matches("(a+)+$")',
      explanation: 'e',
      remediation: 'r',
      controls: {},
    });
    if ('problem' in compiled) throw new Error(compiled.problem);
    const manifest = { agent: { name: 'a1' }, tools: [] } as never;
    expect(
      compiled.test({
        manifest,
        tool: { name: 't', description: `${'a'.repeat(65_536)}!` } as never,
      }),
    ).toBe(false);
  });

  // From a second review: RE2 is linear, but its constant is the pattern's size — `(?i)[a-z]{999}z`
  // took 3.6 s over 64 KiB, and a viewer could run it through policies.tryCall.
  it('a pattern that compiles big is refused when saved', () => {
    expect(unsafeRegexReason('(?i)[a-z]{999}z')).toMatch(/compiles to \d+ RE2 instructions/);
    expect(unsafeRegexReason('^[A-Z]{2}\\d{2}[A-Z0-9]{10,30}$')).toBeUndefined();
  });

  it("past a decision's pattern budget matches() fails, and its rule fails closed", () => {
    const pattern = '(?i)[a-z0-9]{40}!'; // 43 instructions, no literal to skip ahead on
    const long = 'a'.repeat(Math.ceil(MATCH_WORK_BUDGET / 43) + 1);
    expect(verdict(pattern, long)).toBe('BLOCKED'); // a BLOCK rule that can't be evaluated blocks
    const allow = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'a1',
      default: 'BLOCK',
      rules: [
        {
          id: 'ok',
          actions: ['x'],
          when: `!args.s.matches(${JSON.stringify(pattern)})`,
          effect: 'ALLOW',
        },
      ],
    });
    const held = evaluatePolicy(allow, { agent: { name: 'a1' }, action: 'x', args: { s: long } });
    expect(held.verdict).toBe('REVIEW'); // an ALLOW rule that can't be evaluated holds the call
    expect(held.errors?.[0]?.message).toMatch(/more than one decision may spend on patterns/);
    // ordinary patterns read long texts within it, and each decision starts afresh
    expect(verdict('^\\d{3}-\\d{2}-\\d{4}$', '1'.repeat(65_536))).toBe('ALLOWED');
    expect(verdict(pattern, 'short!')).toBe('ALLOWED');
  });

  it('the budget is per decision, shared by all its matches() calls', () => {
    const pattern = '(?i)[a-z0-9]{40}!';
    const half = 'a'.repeat(Math.ceil(MATCH_WORK_BUDGET / 43 / 2) + 10);
    const policy = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'a1',
      default: 'ALLOW',
      rules: [
        {
          id: 'two',
          actions: ['x'],
          when: `args.a.matches(${JSON.stringify(pattern)}) || args.b.matches(${JSON.stringify(pattern)})`,
          effect: 'BLOCK',
        },
      ],
    });
    const call = (b: string) =>
      evaluatePolicy(policy, { agent: { name: 'a1' }, action: 'x', args: { a: half, b } });
    expect(call('short').verdict).toBe('ALLOWED');
    expect(call(half).verdict).toBe('BLOCKED');
  });

  // `(?i)` is RE2 syntax JavaScript's RegExp rejects: every form below is true only when its
  // matches() ran on RE2 (the interpreter's own matches would throw, failing the rule).
  it('every place a condition can hold matches() runs it on RE2', () => {
    const m = 'args.s.matches("(?i)^A$")';
    const forms = [
      m,
      `!!${m}`,
      `!(!${m})`,
      `(${m}) == true`,
      `true ? ${m} : false`,
      `[${m}][0]`,
      `{"k": ${m}}["k"]`,
      `[1].exists(x, ${m})`,
      `[1].all(x, ${m})`,
      `[1].exists_one(x, ${m})`,
      `[1].map(x, ${m})[0]`,
      `size([1].filter(x, ${m})) == 1`,
      `has(args.s) && ${m}`,
      `dyn(args.s).matches("(?i)^A$")`,
      `[args.s].exists(t, t.matches("(?i)^A$"))`,
    ];
    for (const when of forms) {
      const policy = compilePolicyOrThrow({
        kind: 'AgentPolicy',
        agent: 'a1',
        default: 'ALLOW',
        rules: [{ id: 'm', actions: ['x'], when, effect: 'BLOCK' }],
      });
      const decided = evaluatePolicy(policy, {
        agent: { name: 'a1' },
        action: 'x',
        args: { s: 'a' },
      });
      expect({ when, errors: decided.errors ?? [], verdict: decided.verdict }).toEqual({
        when,
        errors: [],
        verdict: 'BLOCKED',
      });
    }
  });
});
