import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { BANK_AS_OF, type BankDb, type Transaction } from '@aegis/demo-bank';
import { assessCredit, type CreditAssessment } from './creditScore.js';
import {
  accountsOf,
  customerIdArg,
  json,
  requireCustomer,
  roundCents,
  type ToolContext,
} from './support.js';

/** Minimum score and the largest loan, as a multiple of deposits, the toy underwriter accepts. */
const MIN_SCORE = 660;
const MAX_LOAN_TO_DEPOSITS = 3;

async function creditFor(
  bank: BankDb,
  customerId: number,
): Promise<CreditAssessment & { deposits: number }> {
  await requireCustomer(bank, customerId);
  const accounts = await accountsOf(bank, customerId);
  const transactions = await bank.transactions
    .find({ account: { $in: accounts.map((a) => a._id) } })
    .lean<Transaction[]>();
  // Scored as of the seed's last day, not today, so the same data always gives the same score.
  const assessment = assessCredit(accounts, transactions, BANK_AS_OF);
  return { ...assessment, deposits: roundCents(accounts.reduce((sum, a) => sum + a.balance, 0)) };
}

/** Lending tools: a credit score computed from the bank's data, and an application decision. */
export function loanTools({ bank, now }: ToolContext) {
  const checkCreditScore = tool(
    async ({ customer_id }) => {
      const { score, band, factors } = await creditFor(bank, customer_id);
      return json({ customer_id, score, band, factors });
    },
    {
      name: 'check_credit_score',
      description: "Compute a customer's credit score (300–850) from their accounts and history.",
      schema: z.object({ customer_id: customerIdArg }),
    },
  );

  const processApplication = tool(
    async ({ customer_id, amount, purpose, term_months = 36 }) => {
      const credit = await creditFor(bank, customer_id);
      const limit = roundCents(Math.max(5000, credit.deposits * MAX_LOAN_TO_DEPOSITS));
      const approved = credit.score >= MIN_SCORE && amount <= limit;
      const reason = approved
        ? `score ${credit.score} (${credit.band}) and amount within the $${limit} limit`
        : credit.score < MIN_SCORE
          ? `score ${credit.score} is below the minimum of ${MIN_SCORE}`
          : `amount exceeds the $${limit} limit for this customer`;
      const application = await bank.applications.create({
        customer: customer_id,
        amount,
        purpose,
        term_months,
        credit_score: credit.score,
        decision: approved ? 'approved' : 'declined',
        reason,
        created_at: now(),
      });
      return json({
        application_id: String(application._id),
        customer_id,
        decision: application.decision,
        reason,
        // A simple amortised payment at a rate that improves with the score.
        monthly_payment: approved
          ? monthlyPayment(amount, credit.score >= 740 ? 0.069 : 0.099, term_months)
          : null,
      });
    },
    {
      name: 'process_application',
      description:
        'Underwrite and record a loan application for a customer; returns approved or declined.',
      schema: z.object({
        customer_id: customerIdArg,
        amount: z.number().min(1).max(1_000_000).describe('Requested amount in dollars'),
        purpose: z.string().min(1).max(200).describe('What the loan is for'),
        term_months: z
          .number()
          .int()
          .min(6)
          .max(360)
          .optional()
          .describe('Repayment term in months (default 36)'),
      }),
    },
  );

  return [checkCreditScore, processApplication];
}

function monthlyPayment(principal: number, annualRate: number, months: number): number {
  const r = annualRate / 12;
  return roundCents((principal * r) / (1 - (1 + r) ** -months));
}
