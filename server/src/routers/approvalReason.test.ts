import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// A reviewer decides with the reason in front of them: every approval keeps why its call was held
// (the deciding rule and its reason, the DLP detectors when a finding sent it) and the audit
// entry that recorded the REVIEW decision, for the card to show and link to.
const SSN = '536-22-8154';
const POLICY = `
kind: AgentPolicy
agent: LoanBot
rules:
  - id: big-loans
    actions: [approve_loan]
    when: args.amount > 10000
    effect: REVIEW
    reason: "A loan of {{ args.amount }} is held for a person"
  - id: pii-export
    actions: [export_report]
    when: dlp.found('ssn')
    effect: REVIEW
    reason: "{{ action }} carries personal data"
`;

let t: TestContext;
const bot = principals.agent('LoanBot');
beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'LoanBot', allows: ['approve_loan', 'export_report'] });
  await t.as(principals.admin).policies.applyRules({ yaml: POLICY });
});
afterAll(() => t.dispose());

describe('an approval says why its call was held', () => {
  it('carries the rule, its reason and the id of the REVIEW entry, in every approvals procedure', async () => {
    const d = await t
      .as(bot)
      .sdk.decide({ agent: 'LoanBot', action: 'approve_loan', args: { amount: 15000 } });
    expect(d.verdict).toBe('REVIEW');
    const viewer = t.as(principals.viewer);
    const approval = await viewer.approvals.byId({ id: d.approvalId! });
    expect(approval).toMatchObject({
      rule: 'big-loans',
      reason: 'A loan of 15000 is held for a person',
      auditId: d.auditId,
    });
    expect(approval.detectors).toBeUndefined();
    const [pending] = (await viewer.approvals.pending()).filter((a) => a.id === d.approvalId);
    expect(pending).toMatchObject({
      reason: 'A loan of 15000 is held for a person',
      auditId: d.auditId,
    });
    const listed = (await viewer.approvals.list({ agent: 'LoanBot' })).approvals.find(
      (a) => a.id === d.approvalId,
    );
    expect(listed).toMatchObject({ rule: 'big-loans', auditId: d.auditId });

    // The id resolves to the entry that recorded the REVIEW decision of this very call.
    const { entry } = await viewer.audit.detail({ id: approval.auditId! });
    expect(entry).toMatchObject({
      status: 'PENDING',
      agent: 'LoanBot',
      action: 'approve_loan',
      callId: d.callId,
      approvalId: d.approvalId,
      rule: { id: 'big-loans', scope: 'agent' },
    });

    // Decided, it still says why it was held.
    const decided = await t
      .as(principals.reviewer)
      .approvals.decide({ id: d.approvalId!, decision: 'DENIED' });
    expect(decided).toMatchObject({
      reason: 'A loan of 15000 is held for a person',
      auditId: d.auditId,
    });
  });

  it('a review caused by a DLP finding names the detector, never the value', async () => {
    const d = await t.as(bot).sdk.decide({
      agent: 'LoanBot',
      action: 'export_report',
      args: { note: `customer ssn ${SSN}` },
    });
    expect(d.verdict).toBe('REVIEW');
    const approval = await t.as(principals.viewer).approvals.byId({ id: d.approvalId! });
    expect(approval).toMatchObject({
      rule: 'pii-export',
      reason: 'export_report carries personal data',
      detectors: ['ssn'],
      auditId: d.auditId,
    });
    // Stored: only the raw arguments (which `approvals.reveal` hands to admins) hold the value.
    const stored = await t.store.connection
      .collection('approvals')
      .find({ id: d.approvalId })
      .project({ args: 0 })
      .toArray();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(SSN);
    expect(JSON.stringify(stored)).not.toContain('8154');
  });

  it('an approval stored before these fields existed still lists', async () => {
    const d = await t
      .as(bot)
      .sdk.decide({ agent: 'LoanBot', action: 'approve_loan', args: { amount: 20000 } });
    await t.store.connection
      .collection('approvals')
      .updateOne({ id: d.approvalId }, { $unset: { reason: '', detectors: '', auditId: '' } });
    const viewer = t.as(principals.viewer);
    const listed = (await viewer.approvals.pending()).find((a) => a.id === d.approvalId);
    expect(listed).toMatchObject({ id: d.approvalId, rule: 'big-loans' });
    expect(listed?.reason).toBeUndefined();
    expect(listed?.auditId).toBeUndefined();
    expect((await viewer.approvals.byId({ id: d.approvalId! })).reason).toBeUndefined();
  });
});
