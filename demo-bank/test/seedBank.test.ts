import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BANK_DB, generateBank, seedBank } from '../src/index.js';
import { startTestBank, type TestBank } from './bankStore.js';

describe('seedBank against the embedded store', () => {
  let t: TestBank;
  beforeAll(async () => {
    t = await startTestBank();
  });
  afterAll(() => t.close());

  it('writes the whole bank into its own database and reports the counts', async () => {
    const expected = generateBank();
    expect(t.counts).toEqual({
      customers: expected.customers.length,
      accounts: expected.accounts.length,
      transactions: expected.transactions.length,
    });
    expect(t.bank.connection.name).toBe(DEFAULT_BANK_DB);
    expect(await t.bank.customers.countDocuments()).toBe(10);
    expect(await t.bank.accounts.countDocuments()).toBe(13);
    const stored = await t.bank.customers.findById(3).lean();
    expect(stored?.ssn).toBe(expected.customers[2]!.ssn);
    expect(stored?.dob).toEqual(expected.customers[2]!.dob);
  });

  it('resets what the tools changed when run again', async () => {
    await t.bank.transactions.deleteMany({});
    await t.bank.notifications.create({
      customer: 1,
      kind: 'service',
      channel: 'email',
      subject: 's',
      message: 'm',
      sent_at: new Date(),
    });
    const counts = await seedBank(t.bank.connection);
    expect(counts).toEqual(t.counts);
    expect(await t.bank.transactions.countDocuments()).toBe(t.counts.transactions);
    expect(await t.bank.notifications.countDocuments()).toBe(0);
  });
});
