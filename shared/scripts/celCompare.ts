/**
 * Compares the two CEL libraries we considered, on conformance (the cel-spec sections policies
 * use) and on speed (compile and evaluate realistic rule conditions). Not part of the test suite:
 *
 *   npx tsx shared/scripts/celCompare.ts            # both tables
 *   npx tsx shared/scripts/celCompare.ts --failures  # also list each library's failing cases
 *
 * The numbers and the choice are recorded in shared/README.md.
 */
import { celEnv, CelScalar, isCelError, parse as bufParse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { Environment } from '@marcbachmann/cel-js';
import { celEnvironmentOptions } from '../src/policy/celEnvironment';
import { judge, specCases, tally, type RunResult, type SpecCase } from '../test/celSpec';
import { runCelJs } from '../test/celJsAdapter';
import { runBuf } from './bufCelAdapter';

const showFailures = process.argv.includes('--failures');

function conformance(): void {
  const { cases, notApplicable } = specCases();
  console.log(`cel-spec conformance: ${cases.length} cases in scope, ${notApplicable.length} need protobuf messages (left out)\n`);
  const libs: [string, (c: SpecCase) => RunResult][] = [
    ['@marcbachmann/cel-js', runCelJs],
    ['@bufbuild/cel', runBuf],
  ];
  const tallies = libs.map(([name, run]) => {
    const outcomes = cases.map((c) => judge(c, run(c)));
    if (showFailures) for (const o of outcomes) if (!o.pass) console.log(`  ${name} FAIL ${o.path}: ${o.detail ?? ''}`);
    return tally(outcomes);
  });
  console.log(`| section | ${libs.map(([n]) => n).join(' | ')} |`);
  console.log(`|---|${libs.map(() => '---').join('|')}|`);
  for (const section of tallies[0]!.bySection.keys()) {
    const cells = tallies.map((t) => {
      const [p, n] = t.bySection.get(section) ?? [0, 0];
      return `${p}/${n}`;
    });
    console.log(`| ${section} | ${cells.join(' | ')} |`);
  }
  const totals = tallies.map((t) => `**${t.passed}/${t.total} (${((100 * t.passed) / t.total).toFixed(1)} %)**`);
  console.log(`| total | ${totals.join(' | ')} |\n`);
}

/** Conditions of the kind the example policies use, over the variables the engine binds. */
const EXPRESSIONS = [
  'args.amount > 1000.0',
  'args.to.endsWith("@bank.example") && size(args.body) < 2000',
  '"pii" in tool.tags && agent.labels["team"] != "fraud"',
  'args.recipients.exists(r, !r.endsWith("@bank.example"))',
  'now.getHours("America/New_York") < 9 || now.getHours("America/New_York") >= 17',
  'args.amount > 1000.0 && args.currency in ["USD", "EUR"] && action.startsWith("transfer_")',
];

const CONTEXT = {
  args: {
    amount: 4850.5,
    currency: 'USD',
    to: 'alice@bank.example',
    body: 'We are reviewing the international wire transfer on your account.',
    recipients: ['a@bank.example', 'b@bank.example', 'c@partner.example'],
  },
  agent: { name: 'customer_support', owner: 'cx@bank.example', labels: { team: 'support' } },
  tool: { tags: ['pii', 'external'], description: 'Send a notification' },
  action: 'transfer_funds',
  now: new Date('2026-03-02T15:04:05Z'),
};

/** Median nanoseconds per call over `rounds` rounds of `n` calls. */
function nsPerOp(fn: () => void, n: number, rounds = 7): number {
  for (let i = 0; i < n; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

function speed(): void {
  const celjs = new Environment(celEnvironmentOptions);
  for (const v of ['args', 'agent', 'tool']) celjs.registerVariable(v, 'map');
  celjs.registerVariable('action', 'string').registerVariable('now', 'google.protobuf.Timestamp');
  const bufEnv = celEnv({
    funcs: strings,
    variables: { args: CelScalar.DYN, agent: CelScalar.DYN, tool: CelScalar.DYN, action: CelScalar.STRING, now: CelScalar.DYN },
  });
  // @bufbuild/cel wants protobuf Timestamps; converting the Date is part of its cost per call.
  const bufNow = () => ({ $typeName: 'google.protobuf.Timestamp', seconds: BigInt(Math.floor(CONTEXT.now.getTime() / 1000)), nanos: 0 });

  console.log('| expression | cel-js compile | @bufbuild compile | cel-js eval | @bufbuild eval |');
  console.log('|---|---|---|---|---|');
  for (const expr of EXPRESSIONS) {
    const compileJs = nsPerOp(() => {
      const p = celjs.parse(expr);
      if (!p.check().valid) throw new Error(expr);
    }, 2000);
    const compileBuf = nsPerOp(() => plan(bufEnv, bufParse(expr)), 2000);
    const js = celjs.parse(expr);
    const bp = plan(bufEnv, bufParse(expr));
    const a = js(CONTEXT) as unknown;
    const b = bp({ ...CONTEXT, now: bufNow() }) as unknown;
    if (a !== b || isCelError(b)) throw new Error(`libraries disagree on ${expr}: ${String(a)} vs ${String(b)}`);
    const evalJs = nsPerOp(() => void js(CONTEXT), 50_000);
    const evalBuf = nsPerOp(() => void bp({ ...CONTEXT, now: bufNow() }), 50_000);
    const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
    console.log(`| \`${expr}\` | ${us(compileJs)} | ${us(compileBuf)} | ${us(evalJs)} | ${us(evalBuf)} |`);
  }
}

conformance();
speed();
