import { describe, expect, it } from 'vitest';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { wrapTools } from '@aegis/sdk/langchain';
import { uniqueAgent, useSdkServer } from './helpers/server';

// What an agent declares through the SDK reaches its manifest on a real server: agent() fields,
// and wrapTools' tool descriptions and argument schemas, with tags from registration kept.
const t = useSdkServer();

describe('agent manifests from the SDK', () => {
  it('agent() declares the profile and tags; wrapTools adds descriptions and JSON Schemas', async () => {
    const name = uniqueAgent('manifest');
    const handle = t.aegis.agent(name, {
      owner: 'lending@bank.example',
      team: 'lending',
      labels: { tier: 'prod' },
      model: 'gemini-2.5-flash',
      provider: 'google',
      framework: 'langgraph',
      allows: ['lookup_balance'],
      tools: [{ name: 'delete_records', tags: ['destructive'] }],
    });
    const lookup = tool(({ customerId }) => `balance of ${customerId}`, {
      name: 'lookup_balance',
      description: 'Balance of a customer',
      schema: z.object({ customerId: z.number().describe('Customer id') }),
      metadata: { aegisTags: ['financial'], dataCategories: ['financial'] },
    });
    const wipe = tool(({ table }) => `deleted ${table}`, {
      name: 'delete_records',
      description: 'Deletes a table',
      schema: z.object({ table: z.string() }),
    });
    wrapTools(handle, [lookup, wipe]);
    await handle.declareTools([]); // nothing new; waits for nothing
    await expect
      .poll(
        async () =>
          (await t.aegis.api.manifests.get.query({ agent: name })).tools.filter(
            (x) => x.description,
          ).length,
        { timeout: 15_000 },
      )
      .toBe(2);
    const m = await t.aegis.api.manifests.get.query({ agent: name });
    expect(m.agent).toMatchObject({
      owner: 'lending@bank.example',
      team: 'lending',
      model: 'gemini-2.5-flash',
      provider: 'google',
      labels: { tier: 'prod' },
    });
    const byName = Object.fromEntries(m.tools.map((x) => [x.name, x]));
    expect(byName.lookup_balance).toMatchObject({
      declared: true,
      description: 'Balance of a customer',
      tags: ['financial'],
      dataCategories: ['financial'],
      permission: 'ALLOW',
      argsSchema: {
        type: 'object',
        properties: { customerId: { type: 'number', description: 'Customer id' } },
      },
    });
    // the registration's tag stays; wrapTools adds what the tool says
    expect(byName.delete_records).toMatchObject({
      tags: ['destructive'],
      description: 'Deletes a table',
      permission: 'REVIEW',
    });
  });
});
