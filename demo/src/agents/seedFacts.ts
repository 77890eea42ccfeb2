import { generateBank } from '@aegis/demo-bank';

/**
 * Facts about the seeded bank that scripted scenarios need as arguments (an account id, a date of
 * birth). Derived from the same deterministic generator the seeder uses, so the scripts can never
 * drift from the data.
 */
const bank = generateBank();

export function checkingAccountOf(customerId: number): number {
  const account = bank.accounts.find((a) => a.customer === customerId && a.type === 'checking');
  if (!account) throw new Error(`seeded customer ${customerId} has no checking account`);
  return account._id;
}

export function identityOf(customerId: number): { date_of_birth: string; ssn_last4: string } {
  const customer = bank.customers.find((c) => c._id === customerId);
  if (!customer) throw new Error(`no seeded customer ${customerId}`);
  return {
    date_of_birth: customer.dob.toISOString().slice(0, 10),
    ssn_last4: customer.ssn.slice(-4),
  };
}

export function nameOf(customerId: number): string {
  return bank.customers.find((c) => c._id === customerId)?.name ?? `customer ${customerId}`;
}

/** Customers who opted in to marketing, lowest ids first. */
export function optedInCustomers(): number[] {
  return bank.customers.filter((c) => c.preferences.marketing_opt_in).map((c) => c._id);
}
