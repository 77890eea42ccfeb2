import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { entriesOfCall, violationsOf } from '../../test/helpers/auditReads';

/** Review 5, L3: a local-mode record may not name a rule or an approval the server can't confirm. */
let t: TestContext;
const bot = principals.agent('ClaimBot');
const masker = principals.agent('MaskBot');
const CARD = '4111 1111 1111 1111';
const MASK_RULES = `
kind: AgentPolicy
agent: MaskBot
rules:
  - id: notify
    actions: [send_notification, vendor_pay]
    effect: ALLOW
  - id: vendors
    actions: [vendor_pay]
    effect: ALLOW
    priority: 10
    reason: Pre-approved vendor payment
  - id: mask-cards
    actions: [send_notification]
    when: dlp.found('card')
    effect: REDACT
`;
let n = 0;
function record(extra: Record<string, unknown> = {}) {
  const i = ++n;
  return {
    entryKey: `claim-${i}-${'x'.repeat(8)}`,
    agent: 'ClaimBot',
    action: 'read',
    status: 'ALLOWED' as const,
    details: "Policy allows 'read'",
    callId: `claim-call-${i}`,
    args: {},
    decidedAt: new Date().toISOString(),
    policyVersion: 1,
    rule: { id: 'seed-allowed', scope: 'agent' as const, version: 1 },
    ...extra,
  };
}
const send = (r: ReturnType<typeof record> & { argsRedacted?: true }) =>
  t.as(r.agent === 'MaskBot' ? masker : bot).sdk.recordBatch({ entries: [r] });
const stored = (agent: string, callId: string) => entriesOfCall(t, agent, callId);
const violations = (agent: string) => violationsOf(t, agent);

beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'ClaimBot', allows: ['read'] });
  await t.as(masker).sdk.registerAgent({ name: 'MaskBot', allows: [] });
  await t.as(principals.admin).policies.applyRules({ yaml: MASK_RULES });
});
afterAll(() => t.dispose());

describe('local-mode records name only what the server decides', () => {
  it('a record naming the rule the server finds is stored with it', async () => {
    const strict = await t.as(bot).sdk.decide({ agent: 'ClaimBot', action: 'read', args: {} });
    expect(strict.rule).toBeTruthy();
    const r = record({ rule: strict.rule, policyVersion: strict.policyVersion });
    expect((await send(r)).stored).toBe(1);
  });

  it.each([
    [
      'a rule that does not decide it',
      { rule: { id: 'ciso-exception', scope: 'agent', version: 1 } },
    ],
    [
      'a global policy version that never existed',
      { rule: { id: 'ciso-exception', scope: 'global', version: 999 } },
    ],
    ['no deciding rule at all (review 7)', { rule: undefined }],
    ['an approval in its details', { details: 'Approved by rita (approval #19)' }],
    // Review 7: look-alikes of the pattern the check used to match.
    ['an approval with a fullwidth ＃', { details: 'Approved by rita (approval \uFF0319)' }],
    ['an approval with no # at all', { details: 'Approved by rita via approval no. 19' }],
    ['a spaced-out approval', { details: 'A-P-P-R-O-V-E-D by rita, ticket 19' }],
  ])('refuses %s: CONFLICT, recorded as a VIOLATION, nothing stored', async (_what, extra) => {
    const r = record(extra);
    const before = (await violations('ClaimBot')).length;
    await expect(send(r)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await stored('ClaimBot', r.callId)).map((e) => e.status)).toEqual([]);
    expect(await violations('ClaimBot')).toHaveLength(before + 1);
  });
});

/** Review 7: a local record must say what the server's own evaluation decided. */
describe('local-mode records of calls a REDACT rule masks', () => {
  const args = { to: 'customer@example.com', message: `your card ${CARD} is active` };
  const masked = async (action: string) => {
    const strict = await t.as(masker).sdk.decide({ agent: 'MaskBot', action, args });
    const r = record({
      agent: 'MaskBot',
      action,
      args,
      details: strict.reason,
      rule: strict.rule,
      policyVersion: strict.policyVersion,
    });
    return { strict, r };
  };

  it('strict mode runs the call with the card masked', async () => {
    const { strict } = await masked('send_notification');
    expect(strict.verdict).toBe('ALLOWED');
    expect(JSON.stringify(strict.args)).not.toContain(CARD);
  });

  it('a record without argsRedacted (the tool got the raw card) is refused and flagged', async () => {
    const { r } = await masked('send_notification');
    await expect(send(r)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('argsRedacted'),
    });
    expect(await stored('MaskBot', r.callId)).toEqual([]);
    const flagged = await violations('MaskBot');
    expect(flagged.some((v) => v.details.includes('REDACT'))).toBe(true);
  });

  it('the same record saying the tool ran with them masked is stored', async () => {
    const { r } = await masked('send_notification');
    expect((await send({ ...r, argsRedacted: true })).stored).toBe(1);
  });

  it("details that are the deciding rule's own reason may say approved", async () => {
    const { strict, r } = await masked('vendor_pay');
    expect(strict.reason).toBe('Pre-approved vendor payment');
    expect((await send(r)).stored).toBe(1);
  });
});
