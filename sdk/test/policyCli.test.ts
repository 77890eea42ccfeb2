import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cliRunner, sdkDir } from './helpers/cli';
import { useSdkServer } from './helpers/server';

/**
 * `aegis policy apply|diff|get|test|history|rollback|replay` — the real binary against a real
 * server, on the example policies of the four demo agents.
 */
const t = useSdkServer();
const { cli, json } = cliRunner(() => t.server);
const EXAMPLES = path.resolve(sdkDir, '..', 'examples', 'policies');
const AGENTS = ['customer_support', 'fraud_detection', 'loan_processor', 'marketing_outreach'];
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'aegis-policy-cli-'));
  await buildCli();
}, 120_000);
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('aegis policy', { timeout: 240_000 }, () => {
  it('test: the examples pass; a broken case fails, named, with what differed — no server needed', async () => {
    const offline = { env: { AEGIS_URL: 'http://127.0.0.1:9', AEGIS_API_KEY: '' } };
    const ok = await cli(['policy', 'test', EXAMPLES], offline);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe('14 passed, 0 failed');

    const broken = path.join(scratch, 'broken');
    await cp(EXAMPLES, broken, { recursive: true });
    const tests = path.join(broken, 'tests.yaml');
    const text = await readFile(tests, 'utf8');
    await writeFile(tests, text.replace('expect: { verdict: BLOCKED, rule: no-deletes }', 'expect: { verdict: ALLOWED, rule: no-deletes }'));
    const failed = await cli(['policy', 'test', broken], offline);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('FAIL');
    expect(failed.stdout).toContain('deleting records is blocked globally');
    expect(failed.stdout).toContain('verdict: expected ALLOWED, got BLOCKED (rule no-deletes');
    expect(failed.stdout).toMatch(/13 passed, 1 failed\s*$/);

    const machine = await cli(['policy', 'test', broken, '--json'], offline);
    expect(JSON.parse(machine.stdout)).toMatchObject({ passed: 13, failed: 1 });

    // A policy that does not compile: the problem with file:line:column, exit 1.
    const loans = path.join(broken, 'loan_processor.yaml');
    await writeFile(loans, (await readFile(loans, 'utf8')).replace('args.amount > 1000.0', 'args.amount >> 1000.0'));
    const bad = await cli(['policy', 'test', broken], offline);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/loan_processor\.yaml:\d+:\d+: .*large-loans/);
  });

  it('diff and apply --dry-run store nothing; apply stores each policy as a version with the message', async () => {
    for (const name of AGENTS) await t.reviewer.sdk.registerAgent.mutate({ name, allows: ['lookup_balance'] });
    const before = await t.reviewer.policies.document.query({ agent: 'loan_processor' });

    const diff = await cli(['policy', 'diff', '-f', EXAMPLES]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain(`loan_processor: would change v${before.version} → v${before.version + 1}`);
    expect(diff.stdout).toContain('+   - id: large-loans');
    expect(diff.stdout).toContain('global policy: would change');
    const dry = await cli(['policy', 'apply', '-f', EXAMPLES, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(await t.reviewer.policies.document.query({ agent: 'loan_processor' })).toMatchObject({ version: before.version, document: null });

    const applied = await cli(['policy', 'apply', '-f', EXAMPLES, '-m', 'example policies']);
    expect(applied.code, applied.stderr).toBe(0);
    for (const name of [...AGENTS, 'global policy']) expect(applied.stdout).toMatch(new RegExp(`${name}: applied v\\d+ → v\\d+`));
    const stored = await t.reviewer.policies.document.query({ agent: 'loan_processor' });
    expect(stored).toMatchObject({ version: before.version + 1, message: 'example policies' });
    expect(stored.document?.rules.map((r) => r.id)).toContain('large-loans');

    const again = await json<{ policies: Array<{ changed: boolean }> }>(['policy', 'apply', '-f', EXAMPLES]);
    expect(again.policies.every((p) => !p.changed)).toBe(true);
  });

  it('apply refuses a broken file with its position and stores nothing of the others', async () => {
    const dir = path.join(scratch, 'bad-apply');
    await cp(EXAMPLES, dir, { recursive: true });
    const version = (await t.reviewer.policies.document.query({ agent: 'fraud_detection' })).version;
    const fraud = path.join(dir, 'fraud_detection.yaml');
    await writeFile(fraud, (await readFile(fraud, 'utf8')).replace('id: investigate', 'id: investigations'));
    const loans = path.join(dir, 'loan_processor.yaml');
    await writeFile(loans, (await readFile(loans, 'utf8')).replace("duration('24h')", "duration('24 hours')"));
    const result = await cli(['policy', 'apply', '-f', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/loan_processor\.yaml:\d+:\d+:/);
    expect((await t.reviewer.policies.document.query({ agent: 'fraud_detection' })).version).toBe(version);
  });

  it('get prints YAML that applies back unchanged, JSON on request; --global', async () => {
    const yaml = await cli(['policy', 'get', 'loan_processor']);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^# loan_processor v\d+ by .*: example policies/);
    expect(yaml.stdout).toContain('allowed [lookup_balance]');
    expect(yaml.stdout).toContain('when: args.amount > 1000.0');
    const file = path.join(scratch, 'got.yaml');
    await writeFile(file, yaml.stdout);
    const back = await cli(['policy', 'diff', '-f', file]);
    expect(back.stdout.trim()).toMatch(/^loan_processor: unchanged \(v\d+\)$/);

    const doc = JSON.parse((await cli(['policy', 'get', 'loan_processor', '-o', 'json'])).stdout) as { kind: string; agent: string };
    expect(doc).toMatchObject({ kind: 'AgentPolicy', agent: 'loan_processor' });
    expect((await cli(['policy', 'get', '--global'])).stdout).toContain('id: no-deletes');
    const unknown = await cli(['policy', 'get', 'no-such-agent']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no-such-agent/);
  });

  it('history lists versions with author and message; rollback restores one as a new version', async () => {
    const history = await cli(['policy', 'history', 'loan_processor']);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/VERSION\s+AT \(UTC\)\s+AUTHOR\s+RULES\s+MESSAGE/);
    expect(history.stdout).toMatch(/example policies/);
    const versions = await json<Array<{ version: number; hasDocument: boolean }>>(['policy', 'history', 'loan_processor']);
    const withoutRules = versions.find((v) => !v.hasDocument)!;
    const current = versions[0]!.version;

    const rolled = await cli(['policy', 'rollback', 'loan_processor', String(withoutRules.version), '-m', 'back to lists']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain(`rolled back to v${withoutRules.version}'s rules as v${current + 1}`);
    expect(rolled.stdout).toContain('-   - id: large-loans');
    expect(await t.reviewer.policies.document.query({ agent: 'loan_processor' })).toMatchObject({ version: current + 1, document: null, message: 'back to lists' });

    const missing = await cli(['policy', 'rollback', 'loan_processor', '999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no version 999/);
    expect((await cli(['policy', 'apply', '-f', EXAMPLES])).code).toBe(0);
  });

  it('replay reports what a candidate would have decided differently, per rule', async () => {
    const decide = (amount: number) =>
      t.reviewer.sdk.decide.mutate({ agent: 'loan_processor', action: 'process_application', args: { customer_id: 5, amount } });
    expect((await decide(15_000)).verdict).toBe('REVIEW');
    expect((await decide(300)).verdict).toBe('ALLOWED');
    const candidate = path.join(scratch, 'candidate.yaml');
    const loans = await readFile(path.join(EXAMPLES, 'loan_processor.yaml'), 'utf8');
    await writeFile(candidate, loans.replace('args.amount > 1000.0', 'args.amount > 20000.0'));
    const replay = await cli(['policy', 'replay', '-f', candidate, '--since', '1h']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/stored decisions replayed in \d+ ms \(\d+\/s\); 1 would change/);
    expect(replay.stdout).toMatch(/rule agent:underwriting: REVIEW → ALLOWED × 1\n {4}e\.g\. #\d+ loan_processor process_application/);
    const bad = await cli(['policy', 'replay', '-f', candidate, '--since', 'a week']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since must look like 7d');
  });
});
