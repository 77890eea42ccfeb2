import { MongoDBSaver } from '@langchain/langgraph-checkpoint-mongodb';
import type { AIMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { tool } from '@langchain/core/tools';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { MongoClient } from 'mongodb';
import { z } from 'zod';
import type { AgentHandle } from '../../src/index';
import { wrapTools } from '../../src/langchain/index';

/** The review-by-interrupt policy of these tests: transfers are held for a person. */
export const interruptPolicy = { allows: ['lookup_balance'], review: ['transfer'] };

/**
 * A LangGraph ReAct agent whose `transfer` tool is guarded with `review: 'interrupt'`, checkpointed
 * in a MongoDB-compatible store through the official saver. `ran` lists the transfers executed.
 * `script` is the scripted model's replies, in order.
 */
export function interruptGraph(handle: AgentHandle, storeUri: string, script: AIMessage[]) {
  const ran: string[] = [];
  const transfer = tool(
    ({ to, amount }) => {
      ran.push(`${to}:${amount}`);
      return `Sent $${amount} to ${to}`;
    },
    {
      name: 'transfer',
      description: 'Sends money',
      schema: z.object({ to: z.string(), amount: z.number() }),
    },
  );
  const client = new MongoClient(storeUri);
  const checkpointer = new MongoDBSaver({ client, dbName: 'checkpoints' });
  let model = fakeModel();
  for (const reply of script) model = model.respond(reply);
  const graph = createReactAgent({
    llm: model,
    tools: wrapTools(handle, [transfer], { review: 'interrupt' }),
    checkpointer,
  });
  return { graph, ran, close: () => client.close() };
}
