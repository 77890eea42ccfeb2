import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { customerIdArg, json, requireCustomer, type ToolContext } from './support.js';

/**
 * The sensitive-data readers. They return the raw values on purpose: the demo's point is that
 * an agent's policy, not the tool, decides who may read an SSN.
 */
export function piiTools({ bank }: ToolContext) {
  const schema = z.object({ customer_id: customerIdArg });

  const accessSsn = tool(
    async ({ customer_id }) => {
      const c = await requireCustomer(bank, customer_id);
      return json({ customer_id, name: c.name, ssn: c.ssn });
    },
    { name: 'access_ssn', description: "Read a customer's full Social Security number.", schema },
  );

  const accessCreditCard = tool(
    async ({ customer_id }) => {
      const c = await requireCustomer(bank, customer_id);
      return json({ customer_id, name: c.name, credit_card_number: c.credit_card_number });
    },
    {
      name: 'access_credit_card',
      description: "Read a customer's full credit card number.",
      schema,
    },
  );

  const accessPhone = tool(
    async ({ customer_id }) => {
      const c = await requireCustomer(bank, customer_id);
      return json({ customer_id, name: c.name, phone: c.phone });
    },
    { name: 'access_phone', description: "Read a customer's phone number.", schema },
  );

  return [accessSsn, accessCreditCard, accessPhone];
}
