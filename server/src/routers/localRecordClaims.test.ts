import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

/** Review 5, L3: a local-mode record may not name a rule or an approval the server can't confirm. */
let t: TestContext;
const bot = principals.agent('ClaimBot');
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
    ...extra,
  };
}
const send = (r: ReturnType<typeof record>) => t.as(bot).sdk.recordBatch({ entries: [r] });

beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'ClaimBot', allows: ['read'] });
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
    ['an approval in its details', { details: 'Approved by rita (approval #19)' }],
  ])('refuses %s: CONFLICT, nothing stored', async (_what, extra) => {
    const r = record(extra);
    await expect(send(r)).rejects.toMatchObject({ code: 'CONFLICT' });
    const page = await t.as(principals.viewer).audit.list({ agent: 'ClaimBot', limit: 50 });
    expect(page.entries.some((e) => e.callId === r.callId && e.status === 'ALLOWED')).toBe(false);
  });
});
