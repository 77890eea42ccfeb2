import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.dispose());

describe('demo.seed', () => {
  it('resets governance data and seeds the bank', async () => {
    const admin = t.as(principals.admin);
    await admin.sdk.registerAgent({ name: 'Temp', allows: ['x'] });
    const before = await admin.sdk.decide({ agent: 'Temp', action: 'x' });
    const counts = await admin.demo.seed();
    expect(counts.customers).toBe(10);
    expect(counts.accounts).toBeGreaterThanOrEqual(10);
    expect(counts.transactions).toBeGreaterThan(0);
    expect(await admin.agents.list()).toEqual([]);
    // issue 12: the reset itself is recorded, as the first entry of the new record
    const record = (await admin.audit.list({})).entries;
    expect(record.map((e) => [e.status, e.source, e.actor, e.agent])).toEqual([
      ['RESET', 'person', principals.admin.name, ''],
    ]);
    await expect(admin.sdk.decide({ agent: 'Temp', action: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    // Ids keep growing across a reset, so a stream resumed with an old id skips nothing new.
    await admin.sdk.registerAgent({ name: 'Fresh', allows: ['x'] });
    const after = await admin.sdk.decide({ agent: 'Fresh', action: 'x' });
    expect(after.auditId).toBeGreaterThan(before.auditId);
    expect(await admin.audit.verify()).toMatchObject({ ok: true });
    const bank = t.store.connection.useDb('aegis_bank', { useCache: true });
    expect(await bank.collection('customers').countDocuments()).toBe(10);
  });

  it('is for admins only', async () => {
    await expect(t.as(principals.reviewer).demo.seed()).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});

describe('health', () => {
  it('answers without credentials and tells who you are with them', async () => {
    expect(await t.as(null).health.check()).toEqual({ ok: true, version: '0.1.0' });
    expect(await t.as(principals.viewer).health.whoami()).toEqual(principals.viewer);
    await expect(t.as(null).health.whoami()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
