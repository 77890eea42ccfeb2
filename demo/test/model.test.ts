import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loanProcessor } from '../src/agents/index.js';
import { createChatModel, DEFAULT_GEMINI_MODEL, SCRIPTED_BANNER } from '../src/model.js';

describe('createChatModel', () => {
  it('builds Gemini with the configured model name when a key is set (no network)', () => {
    const choice = createChatModel([], {
      GOOGLE_API_KEY: 'test-key',
      GEMINI_MODEL: 'gemini-2.5-pro',
    });
    expect(choice.kind).toBe('gemini');
    expect(choice.model).toBeInstanceOf(ChatGoogleGenerativeAI);
    expect((choice.model as ChatGoogleGenerativeAI).model).toBe('gemini-2.5-pro');
    expect(choice.label).toBe('gemini-2.5-pro');
  });

  it('defaults to gemini-2.5-flash-lite', () => {
    const choice = createChatModel([], { GOOGLE_API_KEY: 'test-key' });
    expect((choice.model as ChatGoogleGenerativeAI).model).toBe(DEFAULT_GEMINI_MODEL);
    expect(DEFAULT_GEMINI_MODEL).toBe('gemini-2.5-flash-lite');
  });

  it('falls back to the scripted model without a key', () => {
    expect(createChatModel([], {}).kind).toBe('scripted');
    expect(createChatModel([], { GOOGLE_API_KEY: '  ' }).kind).toBe('scripted');
  });
});

describe('the scripted model inside a LangGraph agent', () => {
  it('plays the scenario one call per turn, then says it was scripted', async () => {
    const seen: { name: string; args: unknown }[] = [];
    // Stand-in tools with the real names: this test is about the model, not the bank.
    const tools = [...new Set(loanProcessor.scenario.map((s) => s.tool))].map((name) =>
      tool(
        (args) => {
          seen.push({ name, args });
          return `ok from ${name}`;
        },
        { name, description: name, schema: z.looseObject({}) },
      ),
    );
    const { model } = createChatModel(loanProcessor.scenario, {});
    const agent = createReactAgent({ llm: model, tools, prompt: loanProcessor.systemPrompt });
    const result = await agent.invoke({ messages: [new HumanMessage(loanProcessor.task)] });

    expect(seen).toEqual(loanProcessor.scenario.map((s) => ({ name: s.tool, args: s.args })));
    const final = result.messages.at(-1);
    expect(final?.text).toContain(SCRIPTED_BANNER);
    expect(final?.text).toContain('ok from connect_external');
  });
});
