import { HumanMessage } from '@langchain/core/messages';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { randomUUID } from 'node:crypto';
import type { Aegis } from '@aegis/sdk';
import { wrapTools } from '@aegis/sdk/langchain';
import type { DemoAgent } from '../agents/index.js';
import type { BankDb } from '@aegis/demo-bank';
import { createChatModel } from '../model.js';
import { createBankTools, type BankToolOptions } from '../tools/index.js';
import { toolDeclarations } from '../tools/tags.js';
import type { Progress } from './progress.js';

export interface AgentRunContext {
  aegis: Aegis;
  bank: BankDb;
  progress: Progress;
  env: NodeJS.ProcessEnv;
  toolOptions?: BankToolOptions;
  /** How long a REVIEW call waits for its reviewer. @defaultValue the SDK's (5 minutes) */
  approvalTimeoutMs?: number;
  /** Where runs are checkpointed (Aegis's store): each run is a thread that can be inspected later. */
  checkpointer?: BaseCheckpointSaver;
}

// Bounds a real model that keeps calling tools; the scripted ones finish far below it.
const RECURSION_LIMIT = 40;

/** Registers an agent with Aegis on its first call (the SDK does that); returns its handle. */
export function registerAgent(aegis: Aegis, agent: DemoAgent) {
  return aegis.agent(agent.name, {
    owner: agent.owner,
    description: agent.description,
    framework: 'langgraph',
    allows: agent.policy.allows,
    blocks: agent.policy.blocks,
    // the manifest: what each tool touches, for the governance rules
    tools: toolDeclarations(),
  });
}

/**
 * Runs one agent to completion: all 17 tools, guarded by Aegis under this agent's identity, in a
 * LangGraph ReAct loop on Gemini or the scripted model. Returns the agent's final answer.
 */
export async function runAgent(agent: DemoAgent, ctx: AgentRunContext): Promise<string> {
  const handle = registerAgent(ctx.aegis, agent);
  await handle.register();
  const tools = wrapTools(handle, createBankTools(ctx.bank, ctx.toolOptions), {
    timeoutMs: ctx.approvalTimeoutMs,
    // One run per agent per demo: its calls carry it, so the dashboard can show the run whole.
    runId: `${agent.name}-${Date.now().toString(36)}`,
  });
  return runGraph(agent, ctx, tools);
}

/** The agent's ReAct loop over `tools` (guarded in process, or calls through a gateway). */
export async function runGraph(
  agent: DemoAgent,
  ctx: AgentRunContext,
  tools: StructuredToolInterface[],
): Promise<string> {
  const choice = createChatModel(agent.scenario, ctx.env);
  ctx.progress.agentStarted(
    agent.name,
    agent.displayName,
    choice.label,
    choice.kind === 'scripted' ? agent.scenario.length : undefined,
  );

  const graph = createReactAgent({
    llm: choice.model,
    tools,
    prompt: agent.systemPrompt,
    checkpointer: ctx.checkpointer,
  });
  const result = await graph.invoke(
    { messages: [new HumanMessage(agent.task)] },
    {
      recursionLimit: RECURSION_LIMIT,
      configurable: { thread_id: `demo-${agent.name}-${randomUUID()}` },
    },
  );
  return result.messages.at(-1)?.text ?? '';
}
