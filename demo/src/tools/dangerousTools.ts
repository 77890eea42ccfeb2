import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { accountsOf, customerIdArg, json, requireCustomer, type ToolContext } from './support.js';
import { attemptConnection, loopbackAddress } from './loopback.js';

/**
 * The two tools every demo policy blocks. They are real — data is deleted, a socket is opened —
 * because a firewall demo against no-op tools would prove nothing.
 */
export function dangerousTools({ bank, externalPort }: ToolContext) {
  const deleteRecords = tool(
    async ({ customer_id }) => {
      const customer = await requireCustomer(bank, customer_id);
      const accountIds = (await accountsOf(bank, customer_id)).map((a) => a._id);
      const transactions = await bank.transactions.deleteMany({ account: { $in: accountIds } });
      const accounts = await bank.accounts.deleteMany({ customer: customer_id });
      const notifications = await bank.notifications.deleteMany({ customer: customer_id });
      await bank.customers.deleteOne({ _id: customer_id });
      return json({
        customer_id,
        name: customer.name,
        deleted: {
          customers: 1,
          accounts: accounts.deletedCount,
          transactions: transactions.deletedCount,
          notifications: notifications.deletedCount,
        },
      });
    },
    {
      name: 'delete_records',
      description:
        'Permanently delete a customer and all of their accounts, transactions and notifications.',
      schema: z.object({
        customer_id: customerIdArg,
        reason: z.string().max(500).optional().describe('Why the records are being deleted'),
      }),
    },
  );

  const connectExternal = tool(
    async ({ host = '127.0.0.1', port, payload = '' }) => {
      const address = loopbackAddress(host);
      return json(await attemptConnection(address, port ?? externalPort, payload));
    },
    {
      name: 'connect_external',
      description: 'Open a network connection to an external server and send it data.',
      schema: z.object({
        host: z.string().max(255).optional().describe('Host to connect to (default 127.0.0.1)'),
        port: z.number().int().min(1).max(65535).optional().describe('TCP port'),
        payload: z.string().max(10_000).optional().describe('Data to send once connected'),
      }),
    },
  );

  return [deleteRecords, connectExternal];
}
