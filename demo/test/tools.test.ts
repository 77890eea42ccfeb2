/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   tool results are JSON text; the assertions themselves check their shape. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBankTools, TOOL_NAMES, type ToolName } from '../src/tools/index.js';
import { startTestBank, type TestBank } from '../../demo-bank/test/bankStore.js';

let t: TestBank;
let call: (name: ToolName, args?: Record<string, unknown>) => Promise<any>;

beforeAll(async () => {
  t = await startTestBank();
  const tools = createBankTools(t.bank, { now: () => new Date('2026-11-21T09:00:00Z') });
  call = async (name, args = {}) => {
    const found = tools.find((tool) => tool.name === name)!;
    return JSON.parse(String(await found.invoke(args)));
  };
});
beforeEach(() => t.reseed());
afterAll(() => t.close());

describe('the 17 bank tools', () => {
  it("are exactly the seed's 17, in order", () => {
    expect(createBankTools(t.bank).map((tool) => tool.name)).toEqual([...TOOL_NAMES]);
    expect(TOOL_NAMES).toHaveLength(17);
  });

  it("lookup_balance totals a customer's accounts", async () => {
    const result = await call('lookup_balance', { customer_id: 2 });
    expect(result.accounts.map((a: { type: string }) => a.type)).toEqual(['checking', 'savings']);
    expect(result.total_balance).toBeCloseTo(
      result.accounts[0].balance + result.accounts[1].balance,
      2,
    );
  });

  it('get_transaction_history returns the newest first, limited', async () => {
    const { transactions } = await call('get_transaction_history', { customer_id: 3, limit: 4 });
    expect(transactions).toHaveLength(4);
    const dates = transactions.map((x: { date: string }) => x.date);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('send_notification and send_promo_email record into notifications', async () => {
    await call('send_notification', { customer_id: 3, message: 'Your card is on its way' });
    const promo = await call('send_promo_email', {
      customer_id: 2,
      subject: 'Offer',
      body: 'Save more',
    });
    const optedOut = await call('send_promo_email', {
      customer_id: 1,
      subject: 'Offer',
      body: 'Save more',
    });
    expect(promo.sent).toBe(true);
    expect(optedOut).toMatchObject({ sent: false });
    const stored = await t.bank.notifications.find().sort({ customer: 1 }).lean();
    expect(stored.map((n) => [n.customer, n.kind])).toEqual([
      [2, 'promo'],
      [3, 'service'],
    ]);
  });

  it('scan_transactions finds the planted fraud, and flag_account flags the account', async () => {
    const scan = await call('scan_transactions');
    const wire = scan.suspicious.find(
      (s: { description: string }) => s.description === 'International Wire Transfer',
    );
    expect(wire).toMatchObject({ customer_id: 3, amount: 4850 });
    expect(scan.suspicious.map((s: { customer_id: number }) => s.customer_id)).toEqual(
      expect.arrayContaining([3, 7, 9]),
    );

    await call('flag_account', { account_id: wire.account_id, reason: 'wire' });
    const account = await t.bank.accounts.findById(wire.account_id).lean();
    expect(account).toMatchObject({ flagged: true, flag_reason: 'wire' });
  });

  it('verify_identity checks date of birth and SSN', async () => {
    const c = (await t.bank.customers.findById(4).lean())!;
    const dob = c.dob.toISOString().slice(0, 10);
    expect(
      (
        await call('verify_identity', {
          customer_id: 4,
          date_of_birth: dob,
          ssn_last4: c.ssn.slice(-4),
        })
      ).verified,
    ).toBe(true);
    expect(
      (await call('verify_identity', { customer_id: 4, date_of_birth: dob, ssn_last4: '0000' }))
        .verified,
    ).toBe(false);
  });

  it('check_credit_score is deterministic, and process_application records a decision', async () => {
    const first = await call('check_credit_score', { customer_id: 5 });
    expect(first.score).toBeGreaterThanOrEqual(300);
    expect(first.score).toBeLessThanOrEqual(850);
    expect(await call('check_credit_score', { customer_id: 5 })).toEqual(first);

    const app = await call('process_application', {
      customer_id: 5,
      amount: 15000,
      purpose: 'auto loan',
      term_months: 60,
    });
    expect(['approved', 'declined']).toContain(app.decision);
    const stored = await t.bank.applications.find({ customer: 5 }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      amount: 15000,
      credit_score: first.score,
      decision: app.decision,
    });
  });

  it('the access_* tools read the real sensitive values', async () => {
    const c = (await t.bank.customers.findById(3).lean())!;
    expect((await call('access_ssn', { customer_id: 3 })).ssn).toBe(c.ssn);
    expect((await call('access_credit_card', { customer_id: 3 })).credit_card_number).toBe(
      c.credit_card_number,
    );
    expect((await call('access_phone', { customer_id: 3 })).phone).toBe(c.phone);
  });

  it('marketing tools read preferences, report aggregates, and export the list', async () => {
    expect(await call('get_customer_preferences', { customer_id: 2 })).toMatchObject({
      marketing_opt_in: true,
    });
    expect(await call('generate_report', { report: 'portfolio' })).toMatchObject({
      customers: 10,
      accounts: 13,
    });
    const exported = await call('export_customer_list', { fields: ['name', 'email'] });
    expect(exported.exported).toBe(10);
    expect(Object.keys(exported.customers[0]).sort()).toEqual(['customer_id', 'email', 'name']);
  });

  it('a tool given an unknown customer answers with a readable error', async () => {
    await expect(call('lookup_balance', { customer_id: 99 })).rejects.toThrow(
      /No customer with id 99/,
    );
  });
});
