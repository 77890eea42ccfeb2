import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

const LOANS = `
kind: AgentPolicy
agent: LoanBot
rules:
  - id: transfers
    actions: [transfer_funds]
    effect: ALLOW
  - id: big-transfers
    actions: [transfer_funds]
    when: args.amount > 1000.0
    effect: REVIEW
    reason: "Transfer of \${{ args.amount }} needs review"
  - id: ssn-rate
    actions: [access_ssn]
    when: history.count('access_ssn', duration('1h')) >= 2
    effect: BLOCK
  - id: ssn
    actions: [access_ssn]
    effect: ALLOW
  - id: pii-then-out
    actions: [send_email]
    when: session.touched('pii') && 'external' in tool.tags
    effect: REVIEW
  - id: mail
    actions: [send_email, read_customer]
    effect: ALLOW
`;

const GLOBAL = `
kind: GlobalPolicy
rules:
  - id: no-deletes
    actions: [delete_*]
    effect: BLOCK
`;

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  // The agent's code declares lists, as the seed's agents do: they keep working beside the rules.
  await t.as(principals.admin).sdk.registerAgent({ name: 'LoanBot', allows: ['check_balance', 'delete_account'], blocks: ['wire_abroad'] });
});
afterAll(() => t.dispose());

describe('rule policies', () => {
  it('apply validates, shows a diff, stores a version with who and why, and audits it', async () => {
    const admin = t.as(principals.admin).policies;
    const dry = await admin.applyRules({ yaml: LOANS, dryRun: true });
    expect(dry).toMatchObject({ ok: true, dryRun: true, policies: [{ agent: 'LoanBot', changed: true }] });
    expect(dry.policies[0]!.diff).toContain('+   - id: big-transfers');
    const before = await admin.document({ agent: 'LoanBot' });
    expect(before.document).toBeNull();
    expect(dry.policies[0]!.version).toBe(before.version);

    const applied = await admin.applyRules({ yaml: LOANS + '---\n' + GLOBAL, message: 'conditional loans' });
    expect(applied.ok).toBe(true);
    const mine = applied.policies.find((p) => p.agent === 'LoanBot')!;
    expect(mine.version).toBe(before.version + 1);
    const stored = await admin.document({ agent: 'LoanBot' });
    expect(stored).toMatchObject({ version: mine.version, author: principals.admin.name, message: 'conditional loans' });
    expect(stored.document?.rules.map((r) => r.id)).toContain('big-transfers');
    expect((await admin.document({})).document?.kind).toBe('GlobalPolicy');

    // Applying the same thing again changes nothing.
    const again = await admin.applyRules({ yaml: LOANS });
    expect(again.policies[0]).toMatchObject({ changed: false, version: mine.version, diff: '' });

    const audit = await t.as(principals.admin).audit.list({ status: ['POLICY'], limit: 20 });
    const notes = audit.entries.filter((e) => e.action === 'aegis:policy-apply');
    expect(notes.map((e) => e.actor)).toEqual([principals.admin.name, principals.admin.name]);
    expect(notes.some((e) => e.details.includes('Global policy → v1'))).toBe(true);
  });

  it('CEL errors come back with line and column, and nothing is stored', async () => {
    const admin = t.as(principals.admin).policies;
    const v = (await admin.document({ agent: 'LoanBot' })).version;
    const broken = LOANS.replace('args.amount > 1000.0', 'args.amount >> 1000.0');
    const result = await admin.applyRules({ yaml: broken, file: 'loans.yaml' });
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ ruleId: 'big-transfers', path: ['rules', 1, 'when'], line: 10 });
    expect(result.problems[0]!.text).toMatch(/^loans\.yaml:10:\d+: rule "big-transfers" when:/);
    expect((await admin.document({ agent: 'LoanBot' })).version).toBe(v);
    const reserved = await admin.applyRules({ yaml: 'kind: AgentPolicy\nagent: LoanBot\nrules: [{ id: seed-allowed, actions: [x], effect: ALLOW }]' });
    expect(reserved.problems[0]!.message).toContain('reserved');
    const unknown = await admin.applyRules({ yaml: 'kind: AgentPolicy\nagent: Ghost\nrules: []' });
    expect(unknown.problems[0]!.message).toContain('not registered');
  });

  it('a quoted number ordered against an argument is refused when saved (it would fail closed on every call)', async () => {
    const admin = t.as(principals.admin).policies;
    const v = (await admin.document({ agent: 'LoanBot' })).version;
    const quoted = LOANS.replace('args.amount > 1000.0', "args.amount > '1000'");
    expect(quoted).not.toBe(LOANS);
    const refused = await admin.applyRules({ yaml: quoted, file: 'loans.yaml', dryRun: true });
    expect(refused.ok).toBe(false);
    expect(refused.problems[0]).toMatchObject({ ruleId: 'big-transfers', line: 10 });
    expect(refused.problems[0]!.message).toContain("'1000' is text, not a number");
    expect(refused.problems[0]!.message).toContain('write 1000 without quotes');
    expect((await admin.document({ agent: 'LoanBot' })).version).toBe(v);
  });

  it('a rule asking dlp about a name no detector has is refused when saved, with the likely one', async () => {
    const admin = t.as(principals.admin).policies;
    const v = (await admin.document({ agent: 'LoanBot' })).version;
    const typo = `${LOANS}  - id: no-cards-out
    actions: [send_email]
    when: dlp.found('credit_card') || dlp.foundIn('result', 'emial')
    effect: BLOCK
`;
    const refused = await admin.applyRules({ yaml: typo, file: 'loans.yaml' });
    expect(refused.ok).toBe(false);
    expect(refused.problems.map((p) => p.message)).toEqual([
      expect.stringContaining("no detector or category is called 'credit_card'"),
      expect.stringContaining("no detector or category is called 'emial'"),
    ]);
    expect(refused.problems[0]!.message).toContain("did you mean 'card'?");
    expect(refused.problems[1]!.message).toContain("did you mean 'email'?");
    expect(refused.problems[0]).toMatchObject({ ruleId: 'no-cards-out', line: 29 });
    expect((await admin.document({ agent: 'LoanBot' })).version).toBe(v);
    // Built-in names, categories, the policy's own detectors and the global policy's are known.
    const fine = `${LOANS}  - id: no-cards-out
    actions: [send_email]
    when: dlp.found('card') || dlp.found('secret') || dlp.found('loan_ref') || dlp.found('staff_id')
    effect: BLOCK
detectors:
  - name: loan_ref
    pattern: 'LN-[0-9]{8}'
---
kind: GlobalPolicy
detectors:
  - name: staff_id
    pattern: 'EMP-[0-9]{6}'
rules: []
`;
    const saved = await admin.applyRules({ yaml: fine, dryRun: true });
    expect(saved.problems).toEqual([]);
    expect(saved.ok).toBe(true);
  });

  it('decides with the arguments and names the rule and version; seed lists still decide', async () => {
    const bot = t.as(principals.agent('LoanBot')).sdk;
    const v = (await t.as(principals.admin).policies.document({ agent: 'LoanBot' })).version;
    const small = await bot.decide({ agent: 'LoanBot', action: 'transfer_funds', args: { amount: 5 } });
    expect(small).toMatchObject({ verdict: 'ALLOWED', rule: { id: 'transfers', scope: 'agent', version: v } });
    const big = await bot.decide({ agent: 'LoanBot', action: 'transfer_funds', args: { amount: 5000 } });
    expect(big).toMatchObject({ verdict: 'REVIEW', rule: { id: 'big-transfers' } });
    expect(big.reason).toContain('Transfer of $5000 needs review');
    expect(await bot.decide({ agent: 'LoanBot', action: 'check_balance' })).toMatchObject({ verdict: 'ALLOWED', rule: { id: 'seed-allowed' } });
    expect(await bot.decide({ agent: 'LoanBot', action: 'wire_abroad' })).toMatchObject({ verdict: 'BLOCKED', rule: { id: 'seed-blocked' } });
    // A global BLOCK beats the agent's own allow list.
    expect(await bot.decide({ agent: 'LoanBot', action: 'delete_account' })).toMatchObject({
      verdict: 'BLOCKED',
      rule: { id: 'no-deletes', scope: 'global', version: 1 },
    });
    // The audit entry carries the rule too.
    const entry = (await t.as(principals.admin).audit.list({ agent: 'LoanBot', action: 'transfer_funds', limit: 5 })).entries;
    expect(entry.find((e) => e.id === small.auditId)?.rule).toEqual({ id: 'transfers', scope: 'agent', version: v });
  });

  it('the seed list shapes read conditional actions as REVIEW', async () => {
    const lists = await t.as(principals.viewer).policies.forAgent({ agent: 'LoanBot' });
    expect(lists.review).toContain('transfer_funds');
    expect(lists.allowed).toContain('check_balance');
    expect(lists.blocked).toEqual(expect.arrayContaining(['wire_abroad', 'delete_account']));
  });

  it('history counts come from the audit log', async () => {
    const bot = t.as(principals.agent('LoanBot')).sdk;
    const verdicts = [];
    for (let i = 0; i < 3; i++) verdicts.push((await bot.decide({ agent: 'LoanBot', action: 'access_ssn', args: { id: i } })).verdict);
    expect(verdicts).toEqual(['ALLOWED', 'ALLOWED', 'BLOCKED']);
  });

  it('session facts: PII read earlier in the same run holds an external send for review', async () => {
    const bot = t.as(principals.agent('LoanBot')).sdk;
    const out = { tags: ['external'] };
    expect((await bot.decide({ agent: 'LoanBot', action: 'send_email', runId: 'run-a', tool: out })).verdict).toBe('ALLOWED');
    await bot.decide({ agent: 'LoanBot', action: 'read_customer', runId: 'run-a', tool: { tags: ['pii'] } });
    const held = await bot.decide({ agent: 'LoanBot', action: 'send_email', runId: 'run-a', tool: out });
    expect(held).toMatchObject({ verdict: 'REVIEW', rule: { id: 'pii-then-out' } });
    // Another run has not touched PII.
    expect((await bot.decide({ agent: 'LoanBot', action: 'send_email', runId: 'run-b', tool: out })).verdict).toBe('ALLOWED');
  });

  it('try a call evaluates a draft without recording anything', async () => {
    const viewer = t.as(principals.viewer).policies;
    const draft = LOANS.replace('1000.0', '10.0');
    const tried = await viewer.tryCall({ agent: 'LoanBot', action: 'transfer_funds', args: { amount: 50 }, yaml: draft });
    expect(tried).toMatchObject({ ok: true, verdict: 'REVIEW', rule: { id: 'big-transfers' } });
    const bad = await viewer.tryCall({ agent: 'LoanBot', action: 'transfer_funds', args: {}, yaml: LOANS.replace('args.amount > 1000.0', 'args.amount >') });
    expect(bad.ok).toBe(false);
    expect(bad.problems[0]).toMatchObject({ ruleId: 'big-transfers' });
    expect(bad.problems[0]!.line).toBeGreaterThan(0);
    // a trial takes what a decision takes: past AEGIS_MAX_ARGS_BYTES it is refused, saying so
    await expect(
      viewer.tryCall({ agent: 'LoanBot', action: 'transfer_funds', args: { memo: 'x'.repeat(70_000) }, yaml: draft }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/over the 65536-byte limit/) });
  });

  it('history, rollback and replay', async () => {
    const admin = t.as(principals.admin).policies;
    const history = await admin.history({ agent: 'LoanBot' });
    const withDoc = history.find((h) => h.hasDocument)!;
    expect(withDoc).toMatchObject({ author: principals.admin.name, message: 'conditional loans' });
    const beforeDoc = history.find((h) => !h.hasDocument)!;

    const replay = await admin.replay({ yaml: LOANS.replace('1000.0', '1.0') });
    expect(replay.ok).toBe(true);
    const big = replay.rules.find((r) => r.rule === 'agent:big-transfers');
    expect(big?.changes[0]).toMatchObject({ from: 'ALLOWED', to: 'REVIEW', count: 1 });

    const rolled = await admin.rollback({ agent: 'LoanBot', version: beforeDoc.version });
    expect(rolled.changed).toBe(true);
    expect((await admin.document({ agent: 'LoanBot' })).document).toBeNull();
    const bot = t.as(principals.agent('LoanBot')).sdk;
    // Back to the lists only: transfer_funds is no longer named, so it waits for a person.
    expect((await bot.decide({ agent: 'LoanBot', action: 'transfer_funds', args: { amount: 5 } })).verdict).toBe('REVIEW');
    await expect(admin.rollback({ agent: 'LoanBot', version: 999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('an agent key can never apply, roll back or replay a policy', async () => {
    const agent = t.as(principals.agent('LoanBot')).policies;
    await expect(agent.applyRules({ yaml: LOANS.replace('effect: REVIEW', 'effect: ALLOW') })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(agent.rollback({ agent: 'LoanBot', version: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(agent.replay({ yaml: LOANS })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(agent.document({ agent: 'LoanBot' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Reviewers decide calls, but don't write policy either.
    await expect(t.as(principals.reviewer).policies.applyRules({ yaml: LOANS })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
