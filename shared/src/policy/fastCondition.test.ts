import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AgentValue, ToolValue } from './celEnvironment';
import { FALLBACK } from './fastCondition';
import { compilePolicyOrThrow } from './compile';
import { compileExpression } from './expression';
import { evaluatePolicy } from './evaluate';

/** A small seeded generator (mulberry32), so a failure names its seed and reproduces. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return { next, pick };
}

const KEYS = ['amount', 'to', 'memo', 'n', 'nested'];
/** What a call's arguments may hold: JSON's kinds, and what local mode may pass besides. */
const VALUES: unknown[] = [
  0,
  -0,
  1,
  1000,
  1000.5,
  -3,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'acct-1',
  'ext-9',
  'password reset',
  'x',
  'ACCT-',
  '\ud800',
  true,
  false,
  null,
  undefined,
  5n,
  { x: 1 },
  { x: 'acct-2' },
  {},
  { constructor: 1 },
  ['a', 'b'],
  [1, 2],
  [],
  new Date(0),
  () => 1,
];
const LITERALS = [
  '1.0',
  '0.0',
  '-1.5',
  '1000.0',
  '5',
  "'x'",
  "'acct-'",
  "''",
  'true',
  'false',
  'null',
];
const OPS = ['==', '!=', '<', '<=', '>', '>='];

function atom(r: ReturnType<typeof random>): string {
  const k = r.pick(KEYS);
  const k2 = r.pick(KEYS);
  const lit = r.pick(LITERALS);
  const op = r.pick(OPS);
  return r.pick([
    () => `has(args.${k})`,
    () => `has(args.${k}.x)`,
    () => `args.${k} ${op} ${lit}`,
    () => `${lit} ${op} args.${k}`,
    () => `args.${k} ${op} args.${k2}`,
    () => `args.${k}.x ${op} ${lit}`,
    () => `args['${k}'] ${op} ${lit}`,
    () => `'${k}' in args`,
    () => `args.${k} in args.${k2}`,
    () =>
      `args.${k}.${r.pick(['startsWith', 'endsWith', 'contains'])}(${r.pick(["'acct-'", "'x'", "''", `args.${k2}`])})`,
    () => `agent.labels['tier'] ${r.pick(['==', '!='])} '${r.pick(['gold', 'restricted', ''])}'`,
    () => `'tier' in agent.labels`,
    () => `agent.name == 'bot'`,
    () => `'external' in tool.tags`,
    () => `tool.description.contains('pay')`,
    () => `action ${r.pick(['==', '!='])} 'wire'`,
    () => `!(args.${k} ${op} ${lit})`,
  ])();
}

function expression(r: ReturnType<typeof random>, depth: number): string {
  if (depth === 0 || r.next() < 0.35) return atom(r);
  const a = expression(r, depth - 1);
  const b = expression(r, depth - 1);
  return r.pick([`(${a}) && (${b})`, `(${a}) || (${b})`, `!(${a})`]);
}

function vars(r: ReturnType<typeof random>) {
  const args: Record<string, unknown> = {};
  for (const k of KEYS) if (r.next() < 0.7) args[k] = r.pick(VALUES);
  const labels: Record<string, string> =
    r.next() < 0.5 ? { tier: r.pick(['gold', 'restricted', '']) } : {};
  return {
    args,
    agent: new AgentValue(r.pick(['bot', 'other']), '', labels),
    action: r.pick(['wire', 'read']),
    tool: new ToolValue(r.next() < 0.5 ? ['external'] : [], r.pick(['pay a bill', ''])),
  };
}

describe('the faster path of a condition', () => {
  it("gives the interpreter's answer whenever it answers, over random conditions and arguments", () => {
    const r = random(20261206);
    let answered = 0;
    let asked = 0;
    let compiled = 0;
    for (let i = 0; i < 1500; i++) {
      const text = expression(r, 3);
      const c = compileExpression(text);
      if (!c.ok || !c.fast) continue;
      compiled++;
      for (let j = 0; j < 40; j++) {
        const v = vars(r);
        asked++;
        const quick = c.fast(v);
        if (quick === FALLBACK) continue;
        answered++;
        let slow: unknown;
        try {
          slow = c.program(v);
        } catch (e) {
          slow = `error: ${(e as Error).message.split('\n')[0]}`;
        }
        if (slow !== quick)
          throw new Error(
            `${text} with ${String(JSON.stringify(v.args))}: fast ${String(quick)}, interpreter ${String(slow)}`,
          );
      }
    }
    // Not vacuous: most conditions have a faster path, and it answers most calls.
    expect(compiled).toBeGreaterThan(800);
    expect(answered / asked).toBeGreaterThan(0.3);
  });

  it('answers the common shapes itself', () => {
    const v = {
      args: { amount: 250, to: 'acct-treasury', memo: 'invoice INV-42', customer_id: 42 },
      agent: new AgentValue('bot', '', { team: 'payments' }),
      action: 'wire',
      tool: new ToolValue(['external'], 'pays'),
    };
    for (const [text, expected] of [
      ['has(args.amount) && args.amount > 1000.0', false],
      ["has(args.to) && !args.to.startsWith('acct-')", false],
      ["has(args.memo) && (args.memo.contains('password') || args.memo.contains('secret'))", false],
      [
        "('tier' in agent.labels && agent.labels['tier'] == 'restricted') || (has(args.customer_id) && args.customer_id >= 990.0)",
        false,
      ],
      ["agent.labels['team'] == 'payments' && 'external' in tool.tags && action == 'wire'", true],
    ] as const) {
      const c = compileExpression(text);
      if (!c.ok || !c.fast) throw new Error(`no faster path for ${text}`);
      expect(c.fast(v), text).toBe(expected);
      expect(c.program(v), text).toBe(expected);
    }
  });

  it("holds on values built to tell the two apart (an adversarial review's cases)", () => {
    class MyArr<T> extends Array<T> {}
    class SubAgent extends AgentValue {}
    const iterated = ['a'];
    (iterated as unknown as { [Symbol.iterator]: () => Generator<string> })[Symbol.iterator] =
      function* () {
        yield 'zzz';
      };
    const hiddenLabel: Record<string, unknown> = {};
    Object.defineProperty(hiddenLabel, 'tier', { value: 5, enumerable: false });
    const throwingSecond = ['a'];
    Object.defineProperty(throwingSecond, 1, {
      get: () => {
        throw new Error('boom');
      },
      enumerable: true,
    });
    let flips = false;
    const flipping = {
      get a() {
        flips = !flips;
        return flips;
      },
    };
    const deep = JSON.parse(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`) as Record<
      string,
      unknown
    >;
    const agent = new AgentValue('bot', '', {});
    const tool = new ToolValue([], '');
    const base = { agent, action: 'wire', tool };
    const cases: Array<[string, Record<string, unknown>]> = [
      ["'a' in args.l", { ...base, args: { l: MyArr.from(['a']) } }],
      ['has(args.l)', { ...base, args: { l: MyArr.from(['a']) } }],
      ["'x' in args", { ...base, args: { l: MyArr.from(['a']) } }],
      ["'a' in args.l", { ...base, args: { l: runInNewContext("['a']") as unknown } }],
      ["'a' in args.l", { ...base, args: { l: Object.assign(['a'], { constructor: 5 }) } }],
      ["'x' in args.l", { ...base, args: { l: Object.assign([], { constructor: Object }) } }],
      ["'zzz' in args.l", { ...base, args: { l: iterated } }],
      ["'a' in args.l", { ...base, args: { l: iterated } }],
      ["'a' in tool.tags", { ...base, tool: new ToolValue(MyArr.from(['a']), '') }],
      ["'a' in tool.tags", { ...base, tool: new ToolValue(iterated, '') }],
      [
        "agent.labels['tier'] == args.t",
        {
          ...base,
          agent: new AgentValue('bot', '', hiddenLabel as Record<string, string>),
          args: { t: 5 },
        },
      ],
      ["'a' in args", { ...base, args: ['a'] }],
      ['action == args.x', { ...base, action: null, args: { x: null } }],
      ['action < args.x', { ...base, action: 5, args: { x: 6 } }],
      ["agent.name == 'bot'", { ...base, agent: new SubAgent('bot', '', {}), args: {} }],
      ['has(agent.name)', { ...base, agent: { name: 'bot' }, args: {} }],
      ["'a' in args", { ...base, args: deep }],
      ["'a' in args.l", { ...base, args: { l: throwingSecond } }],
      // An object claiming to be an Array, as the first entry cel-js types a map by.
      ["'b' in args", { ...base, args: { a: { constructor: Array }, b: 1 } }],
      ['args.a == args.a', { ...base, args: flipping }],
      ['has(args.a)', { ...base, args: flipping }],
    ];
    for (const [text, v] of cases) {
      const c = compileExpression(text);
      if (!c.ok || !c.fast) throw new Error(`no faster path for ${text}`);
      const quick = c.fast(v);
      if (quick === FALLBACK) continue;
      let slow: unknown;
      try {
        slow = c.program(v);
      } catch (e) {
        slow = `error: ${(e as Error).message.split('\n')[0]}`;
      }
      expect(slow, `${text}: the faster path said ${String(quick)}`).toBe(quick);
    }
  });

  it('is not built for shapes it does not handle: those stay interpreted', () => {
    for (const text of [
      "history.count('wire', duration('1h')) > 2",
      'size(args.memo) > 3',
      'args.amount + 1.0 > 2.0',
      "args.to.matches('^acct-')",
      "args.to in ['a', 'b']",
      'now.getHours() > 3',
      'args.amount > 1u',
    ]) {
      const c = compileExpression(text);
      expect(c.ok, text).toBe(true);
      expect(c.ok && c.fast, text).toBeNull();
    }
  });

  it('leaves errors to the interpreter: a missing argument fails closed with its message', () => {
    const policy = compilePolicyOrThrow({
      kind: 'AgentPolicy',
      agent: 'bot',
      rules: [
        { id: 'big', actions: ['pay'], when: 'args.amount > 100.0', effect: 'REVIEW' },
        { id: 'pay', actions: ['pay'], effect: 'ALLOW' },
      ],
    });
    const agent = { name: 'bot', owner: '', labels: {} };
    const decide = (args: Record<string, unknown>) =>
      evaluatePolicy(policy, { agent, action: 'pay', args });
    expect(decide({ amount: 5 })).toMatchObject({ verdict: 'ALLOWED', rule: { id: 'pay' } });
    expect(decide({ amount: 500 })).toMatchObject({ verdict: 'REVIEW', rule: { id: 'big' } });
    const missing = decide({});
    expect(missing).toMatchObject({ verdict: 'REVIEW', rule: { id: 'big' } });
    expect(missing.reason).toMatch(/could not be evaluated \(No such key: amount\)/);
    // A string where a number is compared: the interpreter's overload error, not a quiet false.
    expect(decide({ amount: '500' }).reason).toMatch(/could not be evaluated \(no such overload/);
  });
});
