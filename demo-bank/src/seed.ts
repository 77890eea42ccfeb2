import type { Connection } from 'mongoose';
import {
  bankDb,
  DEFAULT_BANK_DB,
  type Account,
  type Customer,
  type Transaction,
} from './models.js';
import { createRng, BANK_SEED, type Rng } from './prng.js';
import * as fake from './fakeData.js';

/** Counts of what {@link seedBank} wrote; the shape of the seed's `POST /demo/seed` answer. */
export interface SeedCounts {
  customers: number;
  accounts: number;
  transactions: number;
}

export interface SeedOptions {
  /** @defaultValue `'aegis_bank'` */
  dbName?: string;
  /** @defaultValue {@link BANK_SEED} */
  seed?: number;
}

/**
 * The day the bank's history ends. Fixed rather than "now" so the data — and every balance the
 * agents read out — is identical on every run.
 */
export const BANK_AS_OF = new Date(Date.UTC(2026, 10, 20));
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const CUSTOMER_COUNT = 10;
// Which customers also hold a savings account, and the fraud the scanner is meant to find.
const SAVINGS_HOLDERS = new Set([2, 5, 8]);
const PLANTED_FRAUD: Record<number, { description: string; amount: number }> = {
  3: { description: 'International Wire Transfer', amount: 4850 },
  7: { description: 'Crypto Exchange Purchase', amount: 2300 },
  9: { description: 'Gift Card Bulk Purchase', amount: 1200 },
};

/** Builds the whole bank in memory; pure, so tests can check it without a database. */
export function generateBank(seed: number = BANK_SEED): {
  customers: Customer[];
  accounts: Account[];
  transactions: Transaction[];
} {
  const rng = createRng(seed);
  const customers: Customer[] = [];
  const accounts: Account[] = [];
  const transactions: Transaction[] = [];
  let nextAccountId = 1001;
  let nextTransactionId = 1;

  for (let id = 1; id <= CUSTOMER_COUNT; id++) {
    const { first, last } = fake.personName(rng, id);
    customers.push({
      _id: id,
      name: `${first} ${last}`,
      ssn: fake.ssn(rng),
      credit_card_number: fake.creditCardNumber(rng),
      phone: fake.phone(rng),
      email: fake.email(first, last, rng),
      address: fake.address(rng),
      dob: fake.dateOfBirth(rng),
      preferences: {
        marketing_opt_in: rng.next() < 0.7,
        channel: rng.pick(['email', 'email', 'sms', 'phone'] as const),
        language: rng.pick(['en', 'en', 'en', 'es']),
      },
    });

    const types: Account['type'][] = SAVINGS_HOLDERS.has(id)
      ? ['checking', 'savings']
      : ['checking'];
    for (const type of types) {
      const account: Account = {
        _id: nextAccountId++,
        customer: id,
        type,
        balance: 0,
        opened_at: new Date(BANK_AS_OF.getTime() - rng.int(400, 3000) * DAY),
        flagged: false,
      };
      const history = accountHistory(
        rng,
        account,
        type === 'checking' ? PLANTED_FRAUD[id] : undefined,
      );
      for (const tx of history) transactions.push({ ...tx, _id: nextTransactionId++ });
      accounts.push(account);
    }
  }
  return { customers, accounts, transactions };
}

/**
 * Transactions for one account, oldest first. The balance is derived from an opening balance
 * plus the history, so a statement the agent prints actually adds up.
 */
function accountHistory(
  rng: Rng,
  account: Account,
  fraud: { description: string; amount: number } | undefined,
): Omit<Transaction, '_id'>[] {
  const checking = account.type === 'checking';
  const count = checking ? rng.int(6, 8) : rng.int(3, 5);
  // A defrauded account started richer, so the planted theft shows without draining it to zero.
  let balance = (checking ? rng.money(1500, 6000) : rng.money(5000, 40000)) + (fraud?.amount ?? 0);
  const out: Omit<Transaction, '_id'>[] = [];
  for (let i = 0; i < count; i++) {
    // Checking: a deposit every third entry, spending in between; savings: mostly deposits.
    const isCredit = checking ? i % 3 === 0 : rng.next() < 0.75;
    const kinds = isCredit
      ? checking
        ? fake.CHECKING_CREDIT_KINDS
        : fake.SAVINGS_CREDIT_KINDS
      : checking
        ? fake.DEBIT_KINDS
        : fake.SAVINGS_DEBIT_KINDS;
    const [description, min, max] = rng.pick(kinds);
    const amount = rng.money(min, max);
    out.push({
      account: account._id,
      type: isCredit ? 'credit' : 'debit',
      description,
      amount,
      date: new Date(0),
    });
    balance += isCredit ? amount : -amount;
  }
  if (fraud) {
    out.push({
      account: account._id,
      type: 'debit',
      description: fraud.description,
      amount: fraud.amount,
      date: new Date(0),
    });
    balance -= fraud.amount;
  }
  // Spread over the last 60 days, in order, so "recent history" reads naturally.
  const hoursAgo = out.map(() => rng.int(1, 60 * 24)).sort((a, b) => b - a);
  out.forEach((tx, i) => (tx.date = new Date(BANK_AS_OF.getTime() - (hoursAgo[i] ?? 0) * HOUR)));
  account.balance = Math.max(Math.round(balance * 100) / 100, 0);
  return out;
}

/**
 * Resets the demo bank and seeds it: 10 customers, 13 accounts, about 80 transactions, always
 * the same ones. Also clears the notifications and loan applications the tools wrote.
 *
 * @param conn any mongoose connection; the bank lives in its own database on it.
 * @example
 * ```ts
 * import { seedBank } from '@aegis/demo-bank';
 * const counts = await seedBank(mongoose.connection); // { customers: 10, accounts: 13, transactions: 80 }
 * ```
 */
export async function seedBank(conn: Connection, options: SeedOptions = {}): Promise<SeedCounts> {
  const bank = bankDb(conn, options.dbName ?? DEFAULT_BANK_DB);
  const data = generateBank(options.seed);
  await Promise.all([
    bank.customers.deleteMany({}),
    bank.accounts.deleteMany({}),
    bank.transactions.deleteMany({}),
    bank.notifications.deleteMany({}),
    bank.applications.deleteMany({}),
  ]);
  await bank.customers.insertMany(data.customers);
  await bank.accounts.insertMany(data.accounts);
  await bank.transactions.insertMany(data.transactions);
  return {
    customers: data.customers.length,
    accounts: data.accounts.length,
    transactions: data.transactions.length,
  };
}
