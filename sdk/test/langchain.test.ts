import { describe, expect, it } from 'vitest';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { createAgent } from 'langchain';
import { z } from 'zod';
import { aegisMiddleware, wrapTools } from '@aegis/sdk/langchain';

import { uniqueAgent, useSdkServer } from './helpers/server';

const t = useSdkServer();

/** Three bank tools; `ran` records which bodies actually executed. */
function bankTools() {
  const ran: string[] = [];
  const lookupBalance = tool(
    ({ customerId }) => {
      ran.push('lookup_balance');
      return `Customer ${customerId} has $1,234.56`;
    },
    {
      name: 'lookup_balance',
      description: 'Balance of a customer',
      schema: z.object({ customerId: z.number() }),
    },
  );
  const deleteRecords = tool(
    ({ table }) => {
      ran.push('delete_records');
      return `deleted ${table}`;
    },
    {
      name: 'delete_records',
      description: 'Deletes a table',
      schema: z.object({ table: z.string() }),
    },
  );
  const accessSsn = tool(
    ({ customerId }) => {
      ran.push('access_ssn');
      return `SSN of ${customerId}: ***-**-1234`;
    },
    {
      name: 'access_ssn',
      description: 'Reads an SSN',
      schema: z.object({ customerId: z.number() }),
    },
  );
  return { ran, tools: [lookupBalance, deleteRecords, accessSsn] };
}

/** The model calls the three tools one after the other, then answers. */
function scriptedModel() {
  return fakeModel()
    .respondWithTools([{ name: 'lookup_balance', args: { customerId: 1 }, id: 'call-1' }])
    .respondWithTools([{ name: 'delete_records', args: { table: 'customers' }, id: 'call-2' }])
    .respondWithTools([{ name: 'access_ssn', args: { customerId: 1 }, id: 'call-3' }])
    .respond(new AIMessage('All done.'));
}

/** Plays the reviewer on the dashboard: approves every approval this agent asks for. */
async function autoApprove(agent: string): Promise<() => void> {
  const stop = t.aegis.onChange((e) => {
    if (e.type === 'approval.created' && e.approval.agent === agent) {
      void t.reviewer.approvals.decide.mutate({ id: e.approval.id, decision: 'APPROVED' });
    }
  });
  await t.aegis.whenLive();
  return stop;
}

function toolMessages(messages: BaseMessage[]): Record<string, ToolMessage> {
  const out: Record<string, ToolMessage> = {};
  for (const m of messages) if (ToolMessage.isInstance(m)) out[m.tool_call_id] = m;
  return out;
}

const policy = { allows: ['lookup_balance'], blocks: ['delete_records'], review: ['access_ssn'] };

async function expectAudit(agent: string) {
  const { entries } = await t.reviewer.audit.list.query({ agent, limit: 50 });
  const statuses = entries.map((e) => `${e.action}:${e.status}`);
  expect(statuses).toContain('lookup_balance:ALLOWED');
  expect(statuses).toContain('delete_records:BLOCKED');
  expect(statuses).toContain('access_ssn:PENDING');
  expect(statuses).toContain('access_ssn:ALLOWED');
}

describe('LangChain', () => {
  it('wrapTools: a LangGraph prebuilt agent completes; the refusal reaches the model as a message', async () => {
    const name = uniqueAgent('lg');
    const handle = t.aegis.agent(name, policy);
    const { ran, tools } = bankTools();
    const stop = await autoApprove(name);
    try {
      const agent = createReactAgent({ llm: scriptedModel(), tools: wrapTools(handle, tools) });
      const result = await agent.invoke({ messages: [new HumanMessage('Check customer 1')] });
      const byCall = toolMessages(result.messages);
      expect(byCall['call-1']?.content).toContain('$1,234.56');
      expect(byCall['call-2']?.status).toBe('error');
      expect(byCall['call-2']?.content).toMatch(
        /refused "delete_records" \[BLOCKED\].*Policy blocks delete_records/,
      );
      expect(byCall['call-3']?.content).toContain('***-**-1234');
      expect(result.messages.at(-1)?.content).toBe('All done.');
      expect(ran).toEqual(['lookup_balance', 'access_ssn']);
      await expectAudit(name);
    } finally {
      stop();
    }
  });

  it('aegisMiddleware: the same with createAgent', async () => {
    const name = uniqueAgent('mw');
    t.aegis.agent(name, policy);
    const { ran, tools } = bankTools();
    const stop = await autoApprove(name);
    try {
      const agent = createAgent({
        model: scriptedModel(),
        tools,
        middleware: [aegisMiddleware(t.aegis, name)],
      });
      const result = await agent.invoke({ messages: [new HumanMessage('Check customer 1')] });
      const byCall = toolMessages(result.messages);
      expect(byCall['call-1']?.content).toContain('$1,234.56');
      expect(byCall['call-2']?.status).toBe('error');
      expect(byCall['call-2']?.content).toMatch(/\[BLOCKED\].*Policy blocks delete_records/);
      expect(byCall['call-3']?.content).toContain('***-**-1234');
      expect(ran).toEqual(['lookup_balance', 'access_ssn']);
      await expectAudit(name);
    } finally {
      stop();
    }
  });
});
