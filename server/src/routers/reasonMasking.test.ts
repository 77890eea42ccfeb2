import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// From an attack review: a rule's reason quoting `{{ args.card }}` wrote the raw card number into
// the audit entry's details (hash-chained, so it could never be scrubbed), for every viewer to read.
const CARD = '4111111111111111';
const SSN = '536-22-8154';
const POLICY = `
kind: AgentPolicy
agent: RefundBot
rules:
  - id: refunds
    actions: [refund]
    effect: BLOCK
    reason: "Refund to card {{ args.card }} for {{ args.ssn }}"
`;

let t: TestContext;
const bot = principals.agent('RefundBot');
beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'RefundBot', allows: [] });
  await t.as(principals.admin).policies.applyRules({ yaml: POLICY });
});
afterAll(() => t.dispose());

it('the decision, its audit entry and what viewers read carry the masked values only', async () => {
  const decision = await t
    .as(bot)
    .sdk.decide({ agent: 'RefundBot', action: 'refund', args: { card: CARD, ssn: SSN } });
  expect(decision.verdict).toBe('BLOCKED');
  expect(decision.reason).toBe('Refund to card ************1111 for ***-**-8154');
  const { entries } = await t.as(principals.viewer).audit.list({ agent: 'RefundBot' });
  const stored = JSON.stringify(entries);
  expect(stored).toContain('************1111');
  expect(stored).not.toContain(CARD);
  expect(stored).not.toContain(SSN);
  expect(await t.as(principals.admin).audit.verify()).toMatchObject({ ok: true });
});
