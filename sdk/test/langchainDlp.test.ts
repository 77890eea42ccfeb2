import { describe, expect, it } from 'vitest';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { createAgent } from 'langchain';
import { z } from 'zod';
import { aegisMiddleware, wrapTools } from '@aegis/sdk/langchain';
import { uniqueAgent, useSdkServer } from './helpers/server';

// DLP through the LangChain integrations: the model never reads an SSN a tool returned (on:
// result REDACT), and a tool never receives the card number the model put in its arguments
// (call rule REDACT) — with wrapTools and with aegisMiddleware alike.

const t = useSdkServer();
const SSN = '536-22-1120';
const CARD = '4111 1111 1111 1111';

const policyFor = (agent: string) => `
kind: AgentPolicy
agent: ${agent}
default: ALLOW
rules:
  - id: card-mask
    actions: [pay_merchant]
    when: dlp.found('card')
    effect: REDACT
  - id: ssn-redact
    on: result
    actions: [lookup_customer]
    when: dlp.foundIn('result', 'ssn')
    effect: REDACT
`;

function bankTools() {
  const memos: string[] = [];
  const lookup = tool(({ customerId }) => `Customer ${customerId}: Ann Lee, SSN ${SSN}`, {
    name: 'lookup_customer',
    description: 'A customer record',
    schema: z.object({ customerId: z.number() }),
  });
  const pay = tool(
    ({ memo }) => {
      memos.push(memo);
      return 'paid';
    },
    { name: 'pay_merchant', description: 'Pays a merchant', schema: z.object({ memo: z.string() }) },
  );
  return { memos, tools: [lookup, pay] };
}

const scriptedModel = () =>
  fakeModel()
    .respondWithTools([{ name: 'lookup_customer', args: { customerId: 1 }, id: 'call-1' }])
    .respondWithTools([{ name: 'pay_merchant', args: { memo: `card ${CARD}` }, id: 'call-2' }])
    .respond(new AIMessage('Done.'));

function toolMessages(messages: BaseMessage[]): Record<string, ToolMessage> {
  const out: Record<string, ToolMessage> = {};
  for (const m of messages) if (ToolMessage.isInstance(m)) out[m.tool_call_id] = m;
  return out;
}

async function withPolicy(agent: string): Promise<void> {
  await t.aegis.agent(agent, { allows: ['warm_up'] }).call('warm_up', {}, () => undefined);
  const applied = await t.reviewer.policies.applyRules.mutate({ yaml: policyFor(agent) });
  expect(applied.ok).toBe(true);
}

async function expectRecorded(agent: string, messages: BaseMessage[], memos: string[]) {
  const byCall = toolMessages(messages);
  expect(byCall['call-1']?.content).toBe('Customer 1: Ann Lee, SSN ***-**-1120');
  expect(byCall['call-1']?.name).toBe('lookup_customer');
  expect(byCall['call-2']?.content).toBe('paid');
  expect(memos).toEqual(['card ************1111']);
  expect(JSON.stringify(messages.map((m) => m.content))).not.toContain(SSN);
  const { entries } = await t.reviewer.audit.list.query({ agent, limit: 20 });
  expect(entries.find((e) => e.action === 'lookup_customer')).toMatchObject({
    resultEffect: 'REDACT',
    findings: [expect.objectContaining({ detector: 'ssn', where: 'result' })],
  });
  expect(entries.find((e) => e.action === 'pay_merchant')).toMatchObject({ status: 'ALLOWED', argsRedacted: true });
}

describe('LangChain and DLP', () => {
  it('wrapTools: the result is masked before the model reads it; the tool gets masked arguments', async () => {
    const agent = uniqueAgent('lg-dlp');
    await withPolicy(agent);
    const { memos, tools } = bankTools();
    const graph = createReactAgent({ llm: scriptedModel(), tools: wrapTools(t.aegis.agent(agent), tools) });
    const result = await graph.invoke({ messages: [new HumanMessage('Pay for customer 1')] });
    await expect.poll(async () => (await t.reviewer.audit.list.query({ agent, limit: 20 })).entries.some((e) => e.resultEffect)).toBe(true);
    await expectRecorded(agent, result.messages, memos);
  });

  it('aegisMiddleware: the same with createAgent', async () => {
    const agent = uniqueAgent('mw-dlp');
    await withPolicy(agent);
    const { memos, tools } = bankTools();
    const graph = createAgent({ model: scriptedModel(), tools, middleware: [aegisMiddleware(t.aegis, agent)] });
    const result = await graph.invoke({ messages: [new HumanMessage('Pay for customer 1')] });
    await expect.poll(async () => (await t.reviewer.audit.list.query({ agent, limit: 20 })).entries.some((e) => e.resultEffect)).toBe(true);
    await expectRecorded(agent, result.messages, memos);
  });
});
