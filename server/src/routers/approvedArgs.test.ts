import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// What an approved call runs with: the tool runs exactly what Aegis decided and recorded — the
// edited arguments (also on a retry of the call id), the masked ones when a REDACT rule matches
// the approved call, and never on an approval given to another rule's question.

let t: TestContext;
const bot = principals.agent('ArgsBot', 'MaskBot', 'GlobalBot', 'OtherBot', 'SumBot');
const admin = () => t.as(principals.admin);
const CARD = '4111 1111 1111 1111';

beforeAll(async () => {
  t = await createTestContext();
  for (const name of ['ArgsBot', 'GlobalBot', 'OtherBot'])
    await t.as(bot).sdk.registerAgent({ name, allows: ['read'], review: ['wire'] });
  await t.as(bot).sdk.registerAgent({ name: 'MaskBot', allows: ['read'] });
  await t.as(bot).sdk.registerAgent({ name: 'SumBot', allows: ['read'] });
  await admin().policies.applyRules({
    yaml: `
kind: AgentPolicy
agent: MaskBot
default: ALLOW
rules:
  - id: big
    actions: [transfer]
    when: args.amount > 1000.0
    effect: REVIEW
  - id: mask-cards
    actions: [transfer]
    when: dlp.foundIn('args', 'card')
    effect: REDACT
---
kind: AgentPolicy
agent: SumBot
default: BLOCK
rules:
  - id: loans
    actions: [loan]
    effect: ALLOW
  - id: large-loans
    actions: [loan]
    when: args.amount > 1000.0
    effect: REVIEW
  - id: split-loans
    actions: [loan]
    when: history.sum('loan', 'amount', duration('24h')) + args.amount > 3000.0
    effect: REVIEW
`,
  });
});
afterAll(() => t.dispose());

async function held(agent: string, action: string, args: Record<string, unknown>) {
  const d = await t.as(bot).sdk.decide({ agent, action, args });
  expect(d.verdict).toBe('REVIEW');
  return d.approvalId!;
}

describe('an approval with edited arguments', () => {
  it('a retry of the call id answers the edited arguments again, and stores nothing more', async () => {
    const args = { to: 'ACME', amount: 9000 };
    const id = await held('ArgsBot', 'wire', args);
    await admin().approvals.decide({ id, decision: 'APPROVED', editedArgs: { to: 'ACME', amount: 90 } });
    const callId = 'edited-retry-0001';
    const first = await t.as(bot).sdk.decide({ agent: 'ArgsBot', action: 'wire', args, callId });
    const again = await t.as(bot).sdk.decide({ agent: 'ArgsBot', action: 'wire', args, callId });
    expect(first).toMatchObject({ verdict: 'ALLOWED', approvalId: id, args: { to: 'ACME', amount: 90 } });
    expect(again).toMatchObject({ verdict: 'ALLOWED', auditId: first.auditId, args: { to: 'ACME', amount: 90 } });
    const { entries } = await admin().audit.list({ agent: 'ArgsBot', limit: 50 });
    expect(entries.filter((e) => e.callId === callId).map((e) => e.status)).toEqual(['ALLOWED']);
  });

  it('is recorded as the edited call: history sums count what ran, not what was asked', async () => {
    const id = await held('SumBot', 'loan', { amount: 2500 });
    await admin().approvals.decide({ id, decision: 'APPROVED', editedArgs: { amount: 1500 } });
    const ran = await t.as(bot).sdk.decide({ agent: 'SumBot', action: 'loan', args: { amount: 2500 } });
    expect(ran.args).toEqual({ amount: 1500 });
    const entry = (await admin().audit.detail({ id: ran.auditId })).entry;
    expect(entry.argsPreview).toBe('{"amount":1500}');
    // 1500 ran: another 1400 stays under 3000 (2500 + 1400 would not)
    expect((await t.as(bot).sdk.decide({ agent: 'SumBot', action: 'loan', args: { amount: 900 } })).verdict).toBe('ALLOWED');
    expect((await t.as(bot).sdk.decide({ agent: 'SumBot', action: 'loan', args: { amount: 700 } })).verdict).toBe('REVIEW');
  });
});

describe('an approved call a REDACT rule matches', () => {
  it('runs masked, on record as argsRedacted; a retry answers the masked arguments again', async () => {
    const args = { amount: 5000, memo: `card ${CARD}` };
    const id = await held('MaskBot', 'transfer', args);
    await t.as(principals.reviewer).approvals.decide({ id, decision: 'APPROVED' });
    const callId = 'masked-approved-01';
    const ran = await t.as(bot).sdk.decide({ agent: 'MaskBot', action: 'transfer', args, callId });
    expect(ran).toMatchObject({ verdict: 'ALLOWED', approvalId: id, args: { amount: 5000, memo: 'card ************1111' } });
    expect(ran.reason).toContain('masked');
    const entry = (await admin().audit.detail({ id: ran.auditId })).entry;
    expect(entry.argsRedacted).toBe(true);
    const again = await t.as(bot).sdk.decide({ agent: 'MaskBot', action: 'transfer', args, callId });
    expect(again).toMatchObject({ auditId: ran.auditId, args: { amount: 5000, memo: 'card ************1111' } });
  });

  it('runs unmasked when nothing a REDACT rule masks is in it', async () => {
    const id = await held('MaskBot', 'transfer', { amount: 5000, memo: 'rent' });
    await t.as(principals.reviewer).approvals.decide({ id, decision: 'APPROVED' });
    const ran = await t.as(bot).sdk.decide({ agent: 'MaskBot', action: 'transfer', args: { amount: 5000, memo: 'rent' } });
    expect(ran.verdict).toBe('ALLOWED');
    expect(ran.args).toBeUndefined();
  });

  it("an admin's explicit edit runs as edited, unmasked", async () => {
    const args = { amount: 7000, memo: `card ${CARD}` };
    const id = await held('MaskBot', 'transfer', args);
    const edited = { amount: 700, memo: 'card 5555 5555 5555 4444' };
    await admin().approvals.decide({ id, decision: 'APPROVED', editedArgs: edited });
    const ran = await t.as(bot).sdk.decide({ agent: 'MaskBot', action: 'transfer', args });
    expect(ran.args).toEqual(edited);
  });
});

describe('an approval and the GlobalPolicy', () => {
  const global = (agent: string, quorum = 2) => `kind: GlobalPolicy
rules:
  - id: big-wires-need-two
    agents: [${agent}]
    actions: [wire]
    when: args.amount > 10000.0
    effect: REVIEW
    approval:
      quorum: ${quorum}
`;

  it('is not redeemed once another rule decides the review; the new request asks the new question', async () => {
    const args = { to: 'X', amount: 50_000 };
    const id = await held('GlobalBot', 'wire', args);
    await t.as(principals.reviewer).approvals.decide({ id, decision: 'APPROVED' });
    await admin().policies.applyRules({ yaml: global('GlobalBot') });
    const after = await t.as(bot).sdk.decide({ agent: 'GlobalBot', action: 'wire', args });
    expect(after.verdict).toBe('REVIEW');
    expect(after.rule).toMatchObject({ id: 'big-wires-need-two', scope: 'global' });
    expect(after.approvalId).not.toBe(id);
    expect((await admin().approvals.byId({ id: after.approvalId! })).quorum).toBe(2);
    expect((await admin().approvals.byId({ id })).consumedAt).toBeNull();
  });

  it('a GlobalPolicy change that leaves the deciding rule as it was leaves the approval usable', async () => {
    const args = { to: 'Y', amount: 50_000 };
    const id = await held('OtherBot', 'wire', args);
    await t.as(principals.reviewer).approvals.decide({ id, decision: 'APPROVED' });
    // a new global version about another agent: OtherBot's review is still its own rule's
    await admin().policies.applyRules({ yaml: global('GlobalBot', 3) });
    const after = await t.as(bot).sdk.decide({ agent: 'OtherBot', action: 'wire', args });
    expect(after).toMatchObject({ verdict: 'ALLOWED', approvalId: id });
  });
});
