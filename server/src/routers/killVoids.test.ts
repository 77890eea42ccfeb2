import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '@aegis/shared';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { nextTracked } from '../../test/helpers/tracked';

/** Review 5, L1: a kill voids the agent's approvals, so nothing approved runs after the revive. */
let t: TestContext;
const bot = principals.agent('KillBot');
const decide = (args: Record<string, unknown>) =>
  t.as(bot).sdk.decide({ agent: 'KillBot', action: 'wire', args });
const setStatus = (status: 'PAUSED' | 'ACTIVE') =>
  t.as(principals.reviewer).agents.setStatus({ name: 'KillBot', status, reason: 'incident' });

beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'KillBot', review: ['wire'] });
});
afterAll(() => t.dispose());

describe('the kill-switch and approvals', () => {
  it('expires open approvals and voids approved ones; after revive each call is reviewed again', async () => {
    const open = (await decide({ to: 'Z', amount: 10 })).approvalId!;
    const approved = (await decide({ to: 'Y', amount: 20 })).approvalId!;
    await t.as(principals.reviewer).approvals.decide({ id: approved, decision: 'APPROVED' });

    // the stream starts on the first pull: collect from before the kill
    const live = (await t.as(principals.reviewer).changes.onChange())[Symbol.asyncIterator]();
    const announced = new Map<number, string>();
    const collected = (async () => {
      while (announced.size < 2) {
        const { data } = await nextTracked<ChangeEvent>(live);
        if (data.type === 'approval.decided') announced.set(data.approval.id, data.approval.status);
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    await setStatus('PAUSED');
    await collected;
    await live.return?.();
    expect(announced).toEqual(
      new Map([
        [open, 'EXPIRED'],
        [approved, 'EXPIRED'],
      ]),
    );

    // a decision during the kill: refused as expired; a call during the kill: KILLED
    await expect(
      t.as(principals.reviewer).approvals.decide({ id: open, decision: 'APPROVED' }),
    ).rejects.toThrow(/expired/);
    expect((await decide({ to: 'Y', amount: 20 })).verdict).toBe('KILLED');

    await setStatus('ACTIVE');
    const again = await decide({ to: 'Y', amount: 20 });
    expect(again.verdict).toBe('REVIEW');
    expect(again.approvalId).not.toBe(approved);
    expect((await decide({ to: 'Z', amount: 10 })).verdict).toBe('REVIEW');

    const log = await t.as(principals.admin).audit.list({ agent: 'KillBot', limit: 20 });
    const voids = log.entries.filter((e) => e.status === 'TIMEOUT' && e.source === 'person');
    expect(voids.map((e) => e.approvalId).sort()).toEqual([open, approved].sort());
    expect(voids.every((e) => e.details.includes('kill-switch on by rita-reviewer'))).toBe(true);
  });

  it('an approval given during the kill does not survive the revive', async () => {
    const held = (await decide({ to: 'X', amount: 30 })).approvalId!;
    await setStatus('PAUSED');
    await expect(
      t.as(principals.reviewer).approvals.decide({ id: held, decision: 'APPROVED' }),
    ).rejects.toThrow();
    await setStatus('ACTIVE');
    expect((await decide({ to: 'X', amount: 30 })).verdict).toBe('REVIEW');
  });
});
