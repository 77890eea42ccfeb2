import { describe, expect, it } from 'vitest';
import { generateBank, isLuhnValid } from '../src/index.js';

describe('generateBank', () => {
  const bank = generateBank();

  it('has the seed-sized bank: 10 customers, 13 accounts, about 80 transactions', () => {
    expect(bank.customers).toHaveLength(10);
    expect(bank.accounts).toHaveLength(13);
    expect(bank.transactions.length).toBeGreaterThanOrEqual(70);
    expect(bank.transactions.length).toBeLessThanOrEqual(90);
  });

  it('is identical on every run', () => {
    expect(generateBank()).toEqual(bank);
    expect(generateBank(42)).not.toEqual(bank);
  });

  it('gives every customer realistic, distinct identifiers', () => {
    for (const c of bank.customers) {
      expect(c.ssn).toMatch(/^(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/);
      expect(c.credit_card_number).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
      expect(isLuhnValid(c.credit_card_number)).toBe(true);
      expect(c.email).toMatch(/^[a-z0-9.]+@example\.com$/);
      expect(c.phone).toMatch(/^\(\d{3}\) 555-01\d{2}$/);
    }
    expect(new Set(bank.customers.map((c) => c.name)).size).toBe(10);
    expect(new Set(bank.customers.map((c) => c.ssn)).size).toBe(10);
  });

  it('gives each customer one or two accounts whose balances match their history', () => {
    for (const c of bank.customers) {
      const owned = bank.accounts.filter((a) => a.customer === c._id);
      expect(owned.length).toBeGreaterThanOrEqual(1);
      expect(owned.length).toBeLessThanOrEqual(2);
      expect(owned.filter((a) => a.type === 'checking')).toHaveLength(1);
    }
    for (const a of bank.accounts) expect(a.balance).toBeGreaterThan(0);
    for (const t of bank.transactions) {
      expect(t.amount).toBeGreaterThan(0);
      expect(bank.accounts.some((a) => a._id === t.account)).toBe(true);
    }
  });

  it('plants the fraud the Fraud Detection agent is meant to find', () => {
    const descriptions = bank.transactions.map((t) => t.description);
    expect(descriptions).toContain('International Wire Transfer');
    expect(descriptions).toContain('Crypto Exchange Purchase');
  });
});

describe('isLuhnValid', () => {
  it('accepts well-known test numbers and rejects a changed digit', () => {
    expect(isLuhnValid('4111 1111 1111 1111')).toBe(true);
    expect(isLuhnValid('5555 5555 5555 4444')).toBe(true);
    expect(isLuhnValid('4111 1111 1111 1112')).toBe(false);
  });
});
