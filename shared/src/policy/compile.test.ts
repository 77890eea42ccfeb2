import { describe, expect, it } from 'vitest';
import { compilePolicy, compilePolicyOrThrow } from './compile';
import { compilePolicyYaml } from './yaml';
import { historyKey } from './facts';
import { factNeedsFor, policySet } from './policySet';
import { renderTemplate, parseTemplate } from './interpolate';
import { unsafeRegexReason } from './safeRegex';
import { evaluatePolicy } from './evaluate';

const agentDoc = (rules: unknown[]) => ({ kind: 'AgentPolicy', agent: 'a1', rules });
const problemsOf = (rules: unknown[]) => {
  const r = compilePolicy(agentDoc(rules));
  if (r.ok) throw new Error('expected problems');
  return r.problems;
};

describe('compilePolicy: problems a person can act on', () => {
  it('reports a CEL syntax error with the rule and the position inside the expression', () => {
    const [p] = problemsOf([{ id: 'big', actions: ['pay'], when: 'args.amount >\n  ', effect: 'REVIEW' }]);
    expect(p).toMatchObject({ ruleId: 'big', path: ['rules', 0, 'when'], expression: { line: 2, column: 3 } });
    expect(p!.text).toContain('rule "big" when:');
  });

  it('type-checks: unknown fields of agent, wrong types, non-boolean conditions', () => {
    expect(problemsOf([{ id: 'x', actions: ['a'], when: 'agent.nmae == "x"', effect: 'BLOCK' }])[0]!.message).toMatch(/nmae/);
    expect(problemsOf([{ id: 'x', actions: ['a'], when: 'action + 1', effect: 'BLOCK' }])[0]!.message).toMatch(/overload/);
    expect(problemsOf([{ id: 'x', actions: ['a'], when: 'action', effect: 'BLOCK' }])[0]!.message).toMatch(/true or false; this one gives string/);
  });

  it("says how Aegis's functions are called when a call to one doesn't fit", () => {
    const msgs = problemsOf([
      { id: 'a', actions: ['x'], when: "history.count('pay', '1h') > 3", effect: 'BLOCK' },
      { id: 'b', actions: ['x'], when: "history.sum('pay', duration('1h')) > 3.0", effect: 'BLOCK' },
      { id: 'c', actions: ['x'], when: 'dlp.found(1)', effect: 'BLOCK' },
      { id: 'd', actions: ['x'], when: "dlp.foundIn('ssn')", effect: 'BLOCK' },
    ]).map((p) => p.message);
    expect(msgs[0]).toMatch(/no matching overload.*\. history\.count takes an action and a window: history\.count\('issue_refund', duration\('1h'\)\)$/);
    expect(msgs[1]).toMatch(/\. history\.sum takes an action, an argument's name and a window/);
    expect(msgs[2]).toMatch(/\. dlp\.found takes a detector or category name/);
    expect(msgs[3]).toMatch(/\. dlp\.foundIn takes where/);
    // Other type errors read as before.
    expect(problemsOf([{ id: 'x', actions: ['a'], when: 'action + 1', effect: 'BLOCK' }])[0]!.message).not.toMatch(/takes/);
  });

  it('refuses, when saved, a quoted number ordered against a value: it would fail every call and fail the rule closed', () => {
    const saving = { checkDetectorNames: { alsoKnown: [] } };
    const problems = (when: string) => {
      const r = compilePolicy(agentDoc([{ id: 'big', actions: ['pay'], when, effect: 'BLOCK' }]), saving);
      return r.ok ? [] : r.problems;
    };
    const [p] = problems("args.amount > '1000'");
    expect(p!.message).toBe("'1000' is text, not a number: ordering a number against it fails on every call (and the rule fails closed); write 1000 without quotes");
    expect(p).toMatchObject({ ruleId: 'big', expression: { line: 1, column: 15 } });
    expect(problems("'-2.5' >= args.n || args.m < 3")[0]!.message).toMatch(/write -2\.5 without quotes/);
    // What it is not about: numbers, equality with text ids, and ordering of real text.
    for (const when of ['args.amount > 1000', "args.account == '1000'", "args.name > 'M'", "string(args.v) > '2'"])
      expect(problems(when), when).toEqual([]);
    // A policy stored before this check still loads.
    expect(compilePolicy(agentDoc([{ id: 'old', actions: ['pay'], when: "args.amount > '1000'", effect: 'BLOCK' }])).ok).toBe(true);
  });

  it('requires literal fact arguments, so the server knows what to prefetch', () => {
    const msgs = problemsOf([
      { id: 'a', actions: ['x'], when: 'history.count(action, duration("1h")) > 1', effect: 'BLOCK' },
      { id: 'b', actions: ['x'], when: 'history.sum("pay", "amount", duration(args.w)) > 1.0', effect: 'BLOCK' },
      { id: 'c', actions: ['x'], when: 'session.touched(args.tag)', effect: 'BLOCK' },
      { id: 'd', actions: ['x'], when: 'history.count("pay", duration("90d")) > 1', effect: 'BLOCK' },
      { id: 'e', actions: ['x'], when: 'size([history]) > 0', effect: 'BLOCK' },
    ]).map((p) => `${p.ruleId}: ${p.message}`);
    expect(msgs[0]).toMatch(/^a: history.count\(\) needs a literal action name/);
    expect(msgs[1]).toMatch(/^b: history.sum\(\) needs a literal window/);
    expect(msgs[2]).toMatch(/^c: session.touched\(\) needs a literal tag/);
    expect(msgs.some((m) => /^d: .*(between 1s and 31 days|duration)/.test(m))).toBe(true);
    expect(msgs.some((m) => /^e: history can only be used through its functions/.test(m))).toBe(true);
  });

  it('extracts the fact queries, per policy and per call', () => {
    const policy = compilePolicyOrThrow(
      agentDoc([
        { id: 'rate', actions: ['access_ssn'], when: "history.count('access_ssn', duration('1h')) >= 5", effect: 'BLOCK' },
        { id: 'sum', actions: ['transfer_funds'], when: "history.sum('transfer_funds', 'amount', duration('24h')) > 10000.0", effect: 'REVIEW' },
        { id: 'seq', actions: ['send_*'], when: "session.touched('pii') && dlp.found('card')", effect: 'REVIEW' },
        { id: 'plain', actions: ['lookup_balance'], effect: 'ALLOW' },
      ]),
    );
    expect(policy.needs.history.map(historyKey).sort()).toEqual(['count|access_ssn|3600000', 'sum|transfer_funds|amount|86400000']);
    expect(policy.needs.sessionTags).toEqual(['pii']);
    const set = policySet({ agent: policy });
    const agent = { name: 'a1' };
    expect(factNeedsFor(set, agent, 'lookup_balance')).toEqual({ history: [], sessionTags: [], anomalyActions: [], dlp: false });
    expect(factNeedsFor(set, agent, 'send_email')).toMatchObject({ sessionTags: ['pii'], dlp: true, history: [] });
    expect(factNeedsFor(set, agent, 'access_ssn').history).toEqual([{ kind: 'count', action: 'access_ssn', windowMs: 3_600_000 }]);
  });

  it('bounds cost: expression size, AST size and depth, loops inside loops over data, unsafe regexes', () => {
    const long = Array.from({ length: 300 }, (_, i) => `args.a${i} == 1.0`).join(' || ');
    expect(problemsOf([{ id: 'x', actions: ['a'], when: long, effect: 'BLOCK' }])[0]!.message).toMatch(/2000|maxAstNodes|Exceeded/);
    const deep = `${'('.repeat(40)}true${')'.repeat(40)}`;
    expect(problemsOf([{ id: 'x', actions: ['a'], when: deep, effect: 'BLOCK' }])[0]!.message).toMatch(/maxDepth/);
    const nested = 'args.xs.exists(x, args.ys.exists(y, x == y))';
    expect(problemsOf([{ id: 'x', actions: ['a'], when: nested, effect: 'BLOCK' }])[0]!.message).toMatch(/inside another loop over data/);
    // A loop over a literal list inside a loop over data is bounded by the literal.
    expect(compilePolicy(agentDoc([{ id: 'ok', actions: ['a'], when: 'args.xs.exists(x, ["a", "b"].exists(d, x.endsWith(d)))', effect: 'BLOCK' }])).ok).toBe(true);
    expect(problemsOf([{ id: 'x', actions: ['a'], when: 'args.s.matches("(a)\\\\1")', effect: 'BLOCK' }])[0]!.message).toMatch(/not a valid RE2 pattern \(invalid escape sequence/);
    expect(problemsOf([{ id: 'x', actions: ['a'], when: 'args.s.matches(args.p)', effect: 'BLOCK' }])[0]!.message).toMatch(/literal pattern/);
    expect(problemsOf([{ id: 'x', actions: ['a'], when: 'now.hour("Mars/Olympus") > 1', effect: 'BLOCK' }])[0]!.message).toMatch(/unknown time zone/);
  });

  it('rejects schema problems with paths: duplicate ids, agents in an AgentPolicy, unknown keys', () => {
    const texts = (doc: unknown) => {
      const r = compilePolicy(doc);
      return r.ok ? '' : r.problems.map((p) => p.text).join('\n');
    };
    expect(texts(agentDoc([{ id: 'x', actions: ['a'], effect: 'ALLOW' }, { id: 'x', actions: ['b'], effect: 'ALLOW' }]))).toMatch(
      /rule "x" id: duplicate rule id "x"/,
    );
    expect(texts(agentDoc([{ id: 'x', actions: ['a'], effect: 'ALLOW', agents: ['b*'] }]))).toMatch(
      /rule "x" agents: an AgentPolicy's rules apply to its agent \(a1\); select agents in a GlobalPolicy/,
    );
    const bad = texts(agentDoc([{ id: 'y', actions: ['c'], effect: 'DENY', colour: 'red' }]));
    expect(bad).toMatch(/rule "y" effect: Invalid option/);
    expect(bad).toMatch(/rule "y" colour: Unrecognized key: "colour"/);
  });
});

describe('YAML: positions in every problem', () => {
  const file = [
    'kind: GlobalPolicy',
    'rules:',
    '  - id: ok',
    '    actions: [delete_*]',
    '    effect: BLOCK',
    '---',
    'kind: AgentPolicy',
    'agent: loan_processor',
    'rules:',
    '  - id: big',
    '    actions: [transfer_funds]',
    '    when: args.amount > 1000.0 &&',
    '    effect: REVIEW',
    '  - id: multi',
    '    actions: [x]',
    '    when: |',
    '      args.a == 1.0 &&',
    '        args.b ==',
    '    effect: ALLOW',
    '  - id: typo',
    '    actions: [y]',
    '    effect: ALOW',
  ].join('\n');

  it('points CEL and schema errors at file:line:column', () => {
    const r = compilePolicyYaml(file, 'loans.yaml');
    expect(r.ok).toBe(false);
    const texts = r.ok ? [] : r.problems.map((p) => p.text);
    // Schema problems first, then the conditions of the same draft: every problem in one pass.
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(/^loans\.yaml:22:13: rule "typo" effect: /);
    expect(texts[1]).toMatch(/^loans\.yaml:12:34: rule "big" when: Unexpected token: EOF/);
    expect(texts[2]).toMatch(/^loans\.yaml:18:18: rule "multi" when: /);
    const ok = compilePolicyYaml(file.replace('ALOW', 'ALLOW'), 'loans.yaml');
    const cel = ok.ok ? [] : ok.problems.map((p) => p.text);
    expect(cel[0]).toMatch(/^loans\.yaml:12:34: rule "big" when: Unexpected token: EOF/);
    expect(cel[1]).toMatch(/^loans\.yaml:18:18: rule "multi" when: /);
  });

  it('points an unknown key at its own line, not at the start of the rule holding it', () => {
    const r = compilePolicyYaml(file.replace('ALOW', 'ALLOW').replace('    actions: [y]', '    actions: [y]\n    bogus: 1'), 'loans.yaml');
    const problems = r.ok ? [] : r.problems;
    expect(problems.find((p) => p.message.includes('bogus'))).toMatchObject({
      line: 22,
      column: 5,
      text: 'loans.yaml:22:5: rule "typo" bogus: Unrecognized key: "bogus"',
    });
  });

  it('reports YAML syntax errors with their position', () => {
    const r = compilePolicyYaml('kind: AgentPolicy\nrules: [\n', 'bad.yaml');
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.problems[0]!.text).toMatch(/^bad\.yaml:\d+:\d+: /);
  });

  it('says a document nested thousands of levels deep nests too deeply, not what overflowed', () => {
    for (const n of [1_000, 20_000]) {
      const r = compilePolicyYaml(`kind: AgentPolicy\nagent: x\nrules: ${'['.repeat(n)}${']'.repeat(n)}\n`, 'deep.yaml');
      expect(r.ok).toBe(false);
      const texts = r.ok ? [] : r.problems.map((p) => p.text);
      expect(texts[0]).toMatch(/^deep\.yaml:3:\d+: .*nests too deeply/);
      expect(texts.join('\n')).not.toMatch(/call stack/);
    }
  });

  it('compiles every document of a file', () => {
    const r = compilePolicyYaml(file.replace('ALOW', 'ALLOW').replace(' &&\n    effect: REVIEW', '\n    effect: REVIEW').replace('        args.b ==', '        args.b == 2.0'));
    expect(r.ok && r.policies.map((p) => p.kind)).toEqual(['GlobalPolicy', 'AgentPolicy']);
  });
});

describe('reason interpolation is safe', () => {
  it('only names paths, checked when the policy is compiled', () => {
    expect(parseTemplate('{{ args.amount }} by {{ agent.name }}').ok).toBe(true);
    for (const bad of ['{{ args.amount * 2 }}', '{{ process.env.SECRET }}', '{{ constructor }}', '{{ args.__proto__ }} x {{ }}', 'open {{ args.x']) {
      expect(parseTemplate(bad).ok, bad).toBe(false);
    }
  });

  it('shows values short, on one line, without re-expanding placeholders or leaking objects', () => {
    const t = parseTemplate('[{{ args.a }}] [{{ args.b }}] [{{ args.c }}] [{{ args.missing }}] [{{ args.toString }}]');
    if (!t.ok) throw new Error('template');
    const out = renderTemplate(t.parts, { args: { a: 'x'.repeat(500), b: 'line1\nline2 {{ args.c }}', c: { secret: 'k' } } });
    expect(out).toContain(`[${'x'.repeat(79)}…]`);
    expect(out).toContain('[line1 line2  args.c ]');
    expect(out).toContain('[{…}]');
    expect(out).toContain('[—] [—]');
    expect(out).not.toContain('secret');
  });

  it('fills reasons in decisions', () => {
    const p = compilePolicyOrThrow(agentDoc([{ id: 'r', actions: ['pay'], effect: 'REVIEW', reason: '{{ agent.name }} pays {{ args.to }}' }]));
    expect(evaluatePolicy(p, { agent: { name: 'a1' }, action: 'pay', args: { to: 'Bob\u0007' } }).reason).toBe('a1 pays Bob ');
  });
});

describe('unsafeRegexReason', () => {
  it('accepts any RE2 pattern (RE2 runs in linear time, so backtracking shapes are fine) and refuses what RE2 cannot run', () => {
    for (const ok of ['^[^@]+@bank\\.example$', '(gmail|yahoo)\\.com$', '^\\d{3}-\\d{2}-\\d{4}$', '(ab)?c+', '(a+)+$', '(a|aa)*b', '.*a.*b.*c', 'a{0,30}a{0,30}a{0,30}$'])
      expect(unsafeRegexReason(ok), ok).toBeUndefined();
    for (const bad of ['(a)\\1', 'a(?=b)', '(?<!x)y', '(', 'a{1001}', 'x'.repeat(201)]) expect(unsafeRegexReason(bad), bad).toBeDefined();
  });
});

describe('compiled conditions are cached by their text', () => {
  it('the same condition in two policies is compiled once, and its needs cannot be changed', () => {
    const when = "history.count('cache_probe', duration('1h')) > 3";
    const a = compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'a', rules: [{ id: 'x', actions: ['p'], when, effect: 'BLOCK' }] });
    const b = compilePolicyOrThrow({ kind: 'AgentPolicy', agent: 'b', rules: [{ id: 'y', actions: ['q'], when, effect: 'REVIEW' }] });
    expect(b.rules[0]!.program).toBe(a.rules[0]!.program);
    expect(b.rules[0]!.needs.history).toEqual([{ kind: 'count', action: 'cache_probe', windowMs: 3_600_000 }]);
    expect(() => (a.rules[0]!.needs.history as unknown[]).push({})).toThrow(TypeError);
    // each rule keeps its own effect and id around the shared program
    expect([a.rules[0]!.effect, b.rules[0]!.effect]).toEqual(['BLOCK', 'REVIEW']);
  });
});

describe('detector names in dlp conditions, checked when a policy is saved', () => {
  const policy = (when: string, kind: 'AgentPolicy' | 'GlobalPolicy' = 'AgentPolicy') => ({
    kind,
    ...(kind === 'AgentPolicy' ? { agent: 'bot' } : {}),
    detectors: [{ name: 'loan_ref', pattern: 'LN-[0-9]{8}' }],
    rules: [{ id: 'r', actions: ['*'], when, effect: 'BLOCK' }],
  });
  const check = { checkDetectorNames: { alsoKnown: ['staff_id'] } };

  it('refuses a name no detector or category has, suggesting the likely one', () => {
    const result = compilePolicy(policy("dlp.count > 2 && dlp.found('ssns')"), check);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]!.message).toMatch(/no detector or category is called 'ssns'.*did you mean 'ssn'\?/);
  });

  it('knows built-in names, categories, `custom`, the policy’s own detectors and the ones given', () => {
    for (const name of ['card', 'aegis_key', 'pii', 'secret', 'custom', 'loan_ref', 'staff_id'])
      expect(compilePolicy(policy(`dlp.found('${name}')`), check).ok).toBe(true);
  });

  it('leaves stored policies (no check asked) and global policies (agents’ own detectors) alone', () => {
    expect(compilePolicy(policy("dlp.found('credit_card')")).ok).toBe(true);
    expect(compilePolicy(policy("dlp.found('credit_card')", 'GlobalPolicy'), check).ok).toBe(true);
  });
});

describe('on: result rules, checked when a policy is saved', () => {
  const withResultRule = (when: string) => ({
    kind: 'AgentPolicy',
    agent: 'bot',
    rules: [{ id: 'hold', on: 'result', actions: ['*'], when, effect: 'REVIEW' }],
  });
  const check = { checkDetectorNames: { alsoKnown: [] } };

  it('refuses one reading facts a result is not judged with', () => {
    for (const [when, id] of [
      ["dlp.found('card') && args.amount > 10.0", 'args'],
      ["history.count('pay', duration('1h')) > 2 && dlp.found('ssn')", 'history'],
    ] as const) {
      const result = compilePolicy(withResultRule(when), check);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems[0]!.message).toContain(`can't read \`${id}\``);
    }
  });

  it('accepts dlp, agent, action and tool, and leaves stored policies alone', () => {
    expect(compilePolicy(withResultRule("dlp.found('ssn') && action == 'lookup' && agent.name == 'bot'"), check).ok).toBe(true);
    expect(compilePolicy(withResultRule('args.amount > 10.0')).ok).toBe(true);
  });
});
