import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WAIT_MS } from '@aegis/shared';
import { WAIT_GRACE_MS } from '../services/approvalLimits';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// A caller that announces how long it waits for a review gets an approval that ends with its wait
// (plus a grace), so the card shows the real deadline and a crashed caller's approval doesn't
// linger for the whole TTL.
const TTL = 3600_000;
let t: TestContext;
const bot = principals.agent('WaitBot');
beforeAll(async () => {
  t = await createTestContext({ approvalTtlMs: TTL });
  await t.as(bot).sdk.registerAgent({ name: 'WaitBot', allows: [], review: ['wire'] });
});
afterAll(() => t.dispose());

/** How long after the decide the approval it opened expires, in ms. */
async function lifetime(
  args: Record<string, unknown>,
  extra: { waitMs?: number; run?: { threadId: string; toolCallId: string } } = {},
) {
  const before = Date.now();
  const d = await t.as(bot).sdk.decide({ agent: 'WaitBot', action: 'wire', args, ...extra });
  expect(d.verdict).toBe('REVIEW');
  const approval = await t.as(principals.reviewer).approvals.byId({ id: d.approvalId ?? -1 });
  return { ms: Date.parse(approval.expiresAt) - before, id: approval.id };
}

describe('sdk.decide with waitMs', () => {
  it('the approval expires when the caller stops waiting, plus the grace', async () => {
    const { ms } = await lifetime({ n: 1 }, { waitMs: 120_000 });
    expect(ms).toBeGreaterThanOrEqual(120_000 + WAIT_GRACE_MS - 5_000);
    expect(ms).toBeLessThanOrEqual(120_000 + WAIT_GRACE_MS + 5_000);
  });

  it('without it, or for review by interrupt, the approval lasts the TTL; a longer wait is capped by it', async () => {
    for (const extra of [
      {},
      { waitMs: 60_000, run: { threadId: 'th-1', toolCallId: 'tc-1' } },
      { waitMs: 5 * TTL },
    ]) {
      const { ms } = await lifetime({ n: JSON.stringify(extra) }, extra);
      expect(ms).toBeGreaterThan(TTL - 5_000);
      expect(ms).toBeLessThanOrEqual(TTL + 5_000);
    }
  });

  it('a second caller of the same call who waits longer moves the end out, never in', async () => {
    const first = await lifetime({ n: 'shared' }, { waitMs: 60_000 });
    const second = await lifetime({ n: 'shared' }, { waitMs: 600_000 });
    expect(second.id).toBe(first.id);
    expect(second.ms).toBeGreaterThanOrEqual(600_000 + WAIT_GRACE_MS - 5_000);
    const third = await lifetime({ n: 'shared' }, { waitMs: 1_000 });
    expect(third.id).toBe(first.id);
    expect(third.ms).toBeGreaterThanOrEqual(600_000);
  });

  it('an impossible wait is refused with what was wrong, and nothing is opened', async () => {
    const before = (await t.as(principals.reviewer).approvals.pending()).length;
    for (const waitMs of [0, -5, 1.5, MAX_WAIT_MS + 1, Number.NaN, '60000' as unknown as number]) {
      await expect(
        t
          .as(bot)
          .sdk.decide({ agent: 'WaitBot', action: 'wire', args: { bad: String(waitMs) }, waitMs }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('waitMs') });
    }
    expect((await t.as(principals.reviewer).approvals.pending()).length).toBe(before);
  });
});
