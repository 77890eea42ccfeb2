import { z } from 'zod';
import type { Account, BankDb, Customer } from '@aegis/demo-bank';

/** Knobs a test (or the runner) turns; production defaults need none of them. */
export interface BankToolOptions {
  /**
   * The loopback port `connect_external` dials when the model gives none — a test listens here
   * to prove whether a connection was attempted.
   * @defaultValue 4444
   */
  externalPort?: number;
  /** Clock for timestamps the tools write. @defaultValue `() => new Date()` */
  now?: () => Date;
}

export interface ToolContext {
  bank: BankDb;
  externalPort: number;
  now: () => Date;
}

// Gemini accepts only a subset of JSON Schema (no exclusiveMinimum, and `default` would make a
// field required), hence min()/max() and optional fields whose defaults live in the tool body.
export const customerIdArg = z
  .number()
  .int()
  .min(1)
  .max(1_000_000)
  .describe('Numeric customer id, e.g. 3');

/** Tool results are JSON text: models read it well and tests can parse it back. */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Loads a customer or throws an error the model can read and recover from (LangGraph turns a
 * thrown tool error into a ToolMessage instead of ending the run).
 */
export async function requireCustomer(bank: BankDb, id: number): Promise<Customer> {
  const customer = await bank.customers.findById(id).lean<Customer>();
  if (!customer) throw new Error(`No customer with id ${id}. Customer ids run from 1 to 10.`);
  return customer;
}

export async function accountsOf(bank: BankDb, customerId: number): Promise<Account[]> {
  return bank.accounts.find({ customer: customerId }).sort({ _id: 1 }).lean<Account[]>();
}

export function roundCents(n: number): number {
  return Math.round(n * 100) / 100;
}
