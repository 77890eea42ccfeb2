import { describe, expect, it } from 'vitest';
import { compilePolicy, compilePolicyOrThrow } from './compile';
import { evaluatePolicy } from './evaluate';
import { compileRule } from '../governance/rules';

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
});
