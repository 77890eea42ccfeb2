import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WAIT_MS, type ChangeEvent } from '@aegis/shared';
import { nextTracked } from '../../test/helpers/tracked';
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

describe('sdk.approvalTimeout with several callers of one call', () => {
  const decideWire = (n: string, waitMs: number) =>
    t.as(bot).sdk.decide({ agent: 'WaitBot', action: 'wire', args: { n }, waitMs });
  const status = async (id: number) =>
    (await t.as(principals.reviewer).approvals.byId({ id })).status;
  const timeoutsOf = async (id: number) =>
    (
      await t.as(principals.viewer).audit.list({ agent: 'WaitBot', status: ['TIMEOUT'], limit: 50 })
    ).entries.filter((e) => e.approvalId === id);

  it('the first caller giving up leaves the approval to the one still waiting; the last one expires it', async () => {
    const first = await decideWire('two-callers', 1_000);
    const second = await decideWire('two-callers', 600_000);
    const id = first.approvalId!;
    expect(second.approvalId).toBe(id);

    const left = await t.as(bot).sdk.approvalTimeout({ id, callId: first.callId });
    expect(left.status).toBe('PENDING');
    expect(await status(id)).toBe('PENDING');
    const [logged] = await timeoutsOf(id);
    expect(logged).toMatchObject({ callId: first.callId, status: 'TIMEOUT' });
    expect(logged!.details).toMatch(/stays open for another caller/);

    // approved now, the call still waiting runs it
    await t.as(principals.reviewer).approvals.decide({ id, decision: 'APPROVED' });
    expect(await decideWire('two-callers', 600_000)).toMatchObject({ verdict: 'ALLOWED' });
  });

  it('with no other caller waiting (or the other one gone), the caller giving up expires it', async () => {
    const only = await decideWire('one-caller', 1_000);
    expect(
      (await t.as(bot).sdk.approvalTimeout({ id: only.approvalId!, callId: only.callId })).status,
    ).toBe('EXPIRED');
    // two callers; both give up: the second one to leave expires it
    const a = await decideWire('both-leave', 600_000);
    const b = await decideWire('both-leave', 600_000);
    const id = a.approvalId!;
    expect((await t.as(bot).sdk.approvalTimeout({ id, callId: b.callId })).status).toBe('PENDING');
    expect((await t.as(bot).sdk.approvalTimeout({ id, callId: a.callId })).status).toBe('EXPIRED');
    expect((await timeoutsOf(id)).map((e) => e.callId).sort()).toEqual([a.callId, b.callId].sort());
  });

  it('a call id that was not held on the approval is refused, and the approval is untouched', async () => {
    const held = await decideWire('foreign-call-id', 600_000);
    const other = await decideWire('another-call', 600_000);
    await expect(
      t.as(bot).sdk.approvalTimeout({ id: held.approvalId!, callId: other.callId }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not held') });
    expect(await status(held.approvalId!)).toBe('PENDING');
    expect(await timeoutsOf(held.approvalId!)).toEqual([]);
  });

  it('a longer wait moving the deadline out is pushed to open dashboards', async () => {
    const first = await decideWire('pushed', 1_000);
    await decideWire('pushed', 600_000);
    // The window's events first (no race with subscribing), then live ones: the update is there.
    const live = (await t.as(principals.viewer).changes.onChange({ recentMs: 60_000 }))[
      Symbol.asyncIterator
    ]();
    let event = (await nextTracked<ChangeEvent>(live)).data;
    while (!(event.type === 'approval.decided' && event.approval.id === first.approvalId))
      event = (await nextTracked<ChangeEvent>(live)).data;
    expect(event).toMatchObject({ approval: { status: 'PENDING' } });
    if (event.type !== 'approval.decided') throw new Error('unexpected event');
    expect(Date.parse(event.approval.expiresAt)).toBeGreaterThan(Date.now() + 500_000);
    await live.return?.();
  });
});
