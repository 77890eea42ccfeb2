import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { SUSPICIOUS_DESCRIPTIONS, type Account, type Transaction } from '@aegis/demo-bank';
import { accountsOf, customerIdArg, json, requireCustomer, type ToolContext } from './support.js';

const SUSPICIOUS = new Set<string>(SUSPICIOUS_DESCRIPTIONS);

/** Fraud-desk tools: find suspicious activity, flag accounts, verify who a customer is. */
export function fraudTools({ bank, now }: ToolContext) {
  const scanTransactions = tool(
    async ({ customer_id, min_amount = 2500 }) => {
      let filter = {};
      if (customer_id !== undefined) {
        await requireCustomer(bank, customer_id);
        filter = { account: { $in: (await accountsOf(bank, customer_id)).map((a) => a._id) } };
      }
      const transactions = await bank.transactions
        .find(filter)
        .sort({ date: -1 })
        .lean<Transaction[]>();
      const owners = new Map(
        (await bank.accounts.find().lean<Account[]>()).map((a) => [a._id, a.customer] as const),
      );
      const findings = transactions.flatMap((t) => {
        const reasons = [
          ...(SUSPICIOUS.has(t.description)
            ? [`high-risk merchant category: ${t.description}`]
            : []),
          ...(t.type === 'debit' && t.amount >= min_amount ? [`large debit ≥ $${min_amount}`] : []),
        ];
        if (reasons.length === 0) return [];
        return [
          {
            transaction_id: t._id,
            account_id: t.account,
            customer_id: owners.get(t.account),
            date: t.date.toISOString().slice(0, 10),
            description: t.description,
            amount: t.amount,
            reasons,
          },
        ];
      });
      return json({ scanned: transactions.length, suspicious: findings });
    },
    {
      name: 'scan_transactions',
      description:
        "Scan transactions (all, or one customer's) for fraud indicators: high-risk merchants and unusually large debits.",
      schema: z.object({
        customer_id: customerIdArg
          .optional()
          .describe('Limit the scan to one customer; omit to scan the bank'),
        min_amount: z
          .number()
          .min(1)
          .optional()
          .describe('Debits at or above this many dollars are flagged (default 2500)'),
      }),
    },
  );

  const flagAccount = tool(
    async ({ account_id, reason }) => {
      const account = await bank.accounts
        .findByIdAndUpdate(
          account_id,
          { flagged: true, flag_reason: reason, flagged_at: now() },
          { returnDocument: 'after' },
        )
        .lean<Account>();
      if (!account) throw new Error(`No account with id ${account_id}. Account ids start at 1001.`);
      return json({ account_id, customer_id: account.customer, flagged: true, reason });
    },
    {
      name: 'flag_account',
      description: 'Flag an account for fraud investigation, recording the reason.',
      schema: z.object({
        account_id: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .describe('Numeric account id, e.g. 1004'),
        reason: z.string().min(1).max(500).describe('Why the account is being flagged'),
      }),
    },
  );

  const verifyIdentity = tool(
    async ({ customer_id, date_of_birth, ssn_last4 }) => {
      const customer = await requireCustomer(bank, customer_id);
      const dobMatches = customer.dob.toISOString().slice(0, 10) === date_of_birth;
      const ssnMatches = customer.ssn.slice(-4) === ssn_last4;
      return json({
        customer_id,
        verified: dobMatches && ssnMatches,
        checks: { date_of_birth: dobMatches, ssn_last4: ssnMatches },
      });
    },
    {
      name: 'verify_identity',
      description:
        "Verify a customer's identity from their date of birth and the last four digits of their SSN.",
      schema: z.object({
        customer_id: customerIdArg,
        date_of_birth: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .describe('YYYY-MM-DD'),
        ssn_last4: z
          .string()
          .regex(/^\d{4}$/)
          .describe('Last four digits of the SSN'),
      }),
    },
  );

  return [scanTransactions, flagAccount, verifyIdentity];
}
