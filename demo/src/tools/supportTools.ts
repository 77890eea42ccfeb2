import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import type { Transaction } from '@aegis/demo-bank';
import {
  accountsOf,
  customerIdArg,
  json,
  requireCustomer,
  roundCents,
  type ToolContext,
} from './support.js';

/** The everyday customer-service tools: balances, statements, and messages to the customer. */
export function supportTools({ bank, now }: ToolContext) {
  const lookupBalance = tool(
    async ({ customer_id }) => {
      const customer = await requireCustomer(bank, customer_id);
      const accounts = await accountsOf(bank, customer_id);
      return json({
        customer_id,
        name: customer.name,
        accounts: accounts.map((a) => ({ account_id: a._id, type: a.type, balance: a.balance })),
        total_balance: roundCents(accounts.reduce((sum, a) => sum + a.balance, 0)),
      });
    },
    {
      name: 'lookup_balance',
      description: "Look up the balances of all of a customer's accounts.",
      schema: z.object({ customer_id: customerIdArg }),
    },
  );

  const getTransactionHistory = tool(
    async ({ customer_id, limit = 10 }) => {
      await requireCustomer(bank, customer_id);
      const accountIds = (await accountsOf(bank, customer_id)).map((a) => a._id);
      const transactions = await bank.transactions
        .find({ account: { $in: accountIds } })
        .sort({ date: -1 })
        .limit(limit)
        .lean<Transaction[]>();
      return json({
        customer_id,
        transactions: transactions.map((t) => ({
          transaction_id: t._id,
          account_id: t.account,
          date: t.date.toISOString().slice(0, 10),
          type: t.type,
          description: t.description,
          amount: t.amount,
        })),
      });
    },
    {
      name: 'get_transaction_history',
      description:
        "List a customer's most recent transactions across all their accounts, newest first.",
      schema: z.object({
        customer_id: customerIdArg,
        limit: z
          .number()
          .int()
          .min(1)
          .max(50)
          .optional()
          .describe('How many transactions to return (default 10)'),
      }),
    },
  );

  const sendNotification = tool(
    async ({ customer_id, message, channel }) => {
      const customer = await requireCustomer(bank, customer_id);
      const via = channel ?? customer.preferences.channel;
      const sent = await bank.notifications.create({
        customer: customer_id,
        kind: 'service',
        channel: via,
        subject: 'A message about your account',
        message,
        sent_at: now(),
      });
      return json({ sent: true, notification_id: String(sent._id), customer_id, channel: via });
    },
    {
      name: 'send_notification',
      description: 'Send a service notification (not marketing) to a customer.',
      schema: z.object({
        customer_id: customerIdArg,
        message: z.string().min(1).max(1000).describe('The text of the notification'),
        channel: z
          .enum(['email', 'sms', 'phone'])
          .optional()
          .describe("Delivery channel; defaults to the customer's preferred one"),
      }),
    },
  );

  return [lookupBalance, getTransactionHistory, sendNotification];
}
