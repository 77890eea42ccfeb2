import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await t
    .as(principals.admin)
    .sdk.registerAgent({ name: 'RuleBot', allows: ['read'], blocks: ['drop'], review: ['wire'] });
});
afterAll(() => t.dispose());

describe('policies router', () => {
  it('returns an agent’s policy grouped and sorted, and its rules', async () => {
    const viewer = t.as(principals.viewer).policies;
    expect(await viewer.forAgent({ agent: 'RuleBot' })).toMatchObject({
      agent: 'RuleBot',
      allowed: ['read'],
      blocked: ['drop'],
      review: ['wire'],
    });
    const rules = await viewer.rules({ agent: 'RuleBot' });
    expect(rules.map((r) => `${r.action}:${r.rule}`)).toEqual([
      'drop:BLOCK',
      'read:ALLOW',
      'wire:REVIEW',
    ]);
  });

  it('set and remove bump the version only when something changes', async () => {
    const admin = t.as(principals.admin).policies;
    const v0 = (await admin.forAgent({ agent: 'RuleBot' })).version;
    const set = await admin.set({ agent: 'RuleBot', action: 'export', rule: 'BLOCK' });
    expect(set.blocked).toEqual(['drop', 'export']);
    expect(set.version).toBe(v0 + 1);
    expect((await admin.set({ agent: 'RuleBot', action: 'export', rule: 'BLOCK' })).version).toBe(
      v0 + 1,
    );
    const removed = await admin.remove({ agent: 'RuleBot', action: 'export' });
    expect(removed.blocked).toEqual(['drop']);
    expect(removed.version).toBe(v0 + 2);
    expect((await admin.remove({ agent: 'RuleBot', action: 'export' })).version).toBe(v0 + 2);
  });

  it('a rule change takes effect on the next decision (no stale cache)', async () => {
    const bot = t.as(principals.agent('RuleBot')).sdk;
    expect((await bot.decide({ agent: 'RuleBot', action: 'wire' })).verdict).toBe('REVIEW');
    await t.as(principals.admin).policies.set({ agent: 'RuleBot', action: 'wire', rule: 'ALLOW' });
    expect((await bot.decide({ agent: 'RuleBot', action: 'wire' })).verdict).toBe('ALLOWED');
  });

  it('unknown agent → NOT_FOUND; invalid rule → BAD_REQUEST naming the field; only admins change rules', async () => {
    await expect(
      t.as(principals.viewer).policies.forAgent({ agent: 'Nobody' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.as(principals.viewer).policies.rules({ agent: 'Nobody' })).rejects.toMatchObject(
      { code: 'NOT_FOUND' },
    );
    await expect(
      t.as(principals.admin).policies.set({ agent: 'Nobody', action: 'x', rule: 'ALLOW' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      t.as(principals.admin).policies.remove({ agent: 'Nobody', action: 'x' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // An invalid enum value on purpose.
    const err = await t
      .as(principals.admin)
      .policies.set({ agent: 'RuleBot', action: 'x', rule: 'PERMIT' as never })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(err)).toContain('rule');
    await expect(
      t.as(principals.reviewer).policies.set({ agent: 'RuleBot', action: 'x', rule: 'ALLOW' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
