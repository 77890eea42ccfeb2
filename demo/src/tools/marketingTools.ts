import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import type { Account, Customer, Transaction } from '@aegis/demo-bank';
import { customerIdArg, json, requireCustomer, roundCents, type ToolContext } from './support.js';

const EXPORT_FIELDS = ['name', 'email', 'phone', 'address'] as const;

/** Marketing tools: preferences, promotions, aggregate reports, and the bulk export. */
export function marketingTools({ bank, now }: ToolContext) {
  const getCustomerPreferences = tool(
    async ({ customer_id }) => {
      const c = await requireCustomer(bank, customer_id);
      return json({ customer_id, name: c.name, ...c.preferences });
    },
    {
      name: 'get_customer_preferences',
      description: "Read a customer's contact preferences and marketing opt-in.",
      schema: z.object({ customer_id: customerIdArg }),
    },
  );

  const sendPromoEmail = tool(
    async ({ customer_id, subject, body }) => {
      const c = await requireCustomer(bank, customer_id);
      // Honour the opt-out in the tool itself: that part is the law, not policy.
      if (!c.preferences.marketing_opt_in) {
        return json({ sent: false, customer_id, reason: 'customer has not opted in to marketing' });
      }
      const sent = await bank.notifications.create({
        customer: customer_id,
        kind: 'promo',
        channel: 'email',
        subject,
        message: body,
        sent_at: now(),
      });
      return json({ sent: true, customer_id, notification_id: String(sent._id) });
    },
    {
      name: 'send_promo_email',
      description: 'Send a promotional email to a customer who has opted in to marketing.',
      schema: z.object({
        customer_id: customerIdArg,
        subject: z.string().min(1).max(200),
        body: z.string().min(1).max(5000),
      }),
    },
  );

  const generateReport = tool(
    async ({ report = 'portfolio' }) => {
      switch (report) {
        case 'portfolio': {
          const accounts = await bank.accounts.find().lean<Account[]>();
          const byType = (type: Account['type']) => accounts.filter((a) => a.type === type);
          return json({
            report,
            customers: await bank.customers.countDocuments(),
            accounts: accounts.length,
            checking: {
              count: byType('checking').length,
              total: sum(byType('checking').map((a) => a.balance)),
            },
            savings: {
              count: byType('savings').length,
              total: sum(byType('savings').map((a) => a.balance)),
            },
          });
        }
        case 'activity': {
          const txs = await bank.transactions.find().lean<Transaction[]>();
          const categories = new Map<string, number>();
          for (const t of txs)
            categories.set(t.description, (categories.get(t.description) ?? 0) + 1);
          return json({
            report,
            transactions: txs.length,
            credits: sum(txs.filter((t) => t.type === 'credit').map((t) => t.amount)),
            debits: sum(txs.filter((t) => t.type === 'debit').map((t) => t.amount)),
            top_categories: [...categories]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 5)
              .map(([name, count]) => ({ name, count })),
          });
        }
        case 'marketing': {
          const customers = await bank.customers.find().lean<Customer[]>();
          const channels: Record<string, number> = {};
          for (const c of customers)
            channels[c.preferences.channel] = (channels[c.preferences.channel] ?? 0) + 1;
          return json({
            report,
            customers: customers.length,
            opted_in: customers.filter((c) => c.preferences.marketing_opt_in).length,
            preferred_channels: channels,
            promos_sent: await bank.notifications.countDocuments({ kind: 'promo' }),
          });
        }
      }
    },
    {
      name: 'generate_report',
      description:
        'Generate an aggregate report (no personal data): portfolio balances, transaction activity, or marketing reach.',
      schema: z.object({
        report: z
          .enum(['portfolio', 'activity', 'marketing'])
          .optional()
          .describe('Which report (default portfolio)'),
      }),
    },
  );

  const exportCustomerList = tool(
    async ({ fields = [...EXPORT_FIELDS] }) => {
      const customers = await bank.customers.find().sort({ _id: 1 }).lean<Customer[]>();
      const rows = customers.map((c) => ({
        customer_id: c._id,
        ...Object.fromEntries(fields.map((f) => [f, c[f]])),
      }));
      return json({ exported: rows.length, fields, customers: rows });
    },
    {
      name: 'export_customer_list',
      description:
        'Export the full customer list with contact details, e.g. for a mailing campaign.',
      schema: z.object({
        fields: z
          .array(z.enum(EXPORT_FIELDS))
          .min(1)
          .optional()
          .describe('Columns to export (default all)'),
      }),
    },
  );

  return [getCustomerPreferences, sendPromoEmail, generateReport, exportCustomerList];
}

function sum(values: number[]): number {
  return roundCents(values.reduce((a, b) => a + b, 0));
}
