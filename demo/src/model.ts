import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import type { ScriptedStep } from './agents/types.js';

export const DEFAULT_GEMINI_MODEL = 'gemini-2.5-flash-lite';

/** Printed with every offline answer so nobody mistakes the script for a live model. */
export const SCRIPTED_BANNER = '[scripted offline model — set GOOGLE_API_KEY to run on Gemini]';

export interface ModelChoice {
  model: BaseChatModel;
  kind: 'gemini' | 'scripted';
  /** For the runner's banner, e.g. "gemini-2.5-flash-lite" or "scripted (offline)". */
  label: string;
}

/**
 * Picks the model for one agent run: Gemini when a key is configured, otherwise a scripted model
 * playing that agent's scenario. Build one per run — the scripted model is consumed as it plays.
 *
 * @param env where to read `GOOGLE_API_KEY` and `GEMINI_MODEL`. @defaultValue `process.env`
 */
export function createChatModel(
  scenario: readonly ScriptedStep[],
  env: NodeJS.ProcessEnv = process.env,
): ModelChoice {
  const apiKey = env.GOOGLE_API_KEY?.trim();
  if (apiKey) {
    const name = env.GEMINI_MODEL?.trim() || DEFAULT_GEMINI_MODEL;
    // temperature 0: the demo should over-reach the same way from one run to the next.
    const model = new ChatGoogleGenerativeAI({
      model: name,
      apiKey,
      temperature: 0,
      maxRetries: 2,
    });
    return { model, kind: 'gemini', label: name };
  }
  return { model: scriptedModel(scenario), kind: 'scripted', label: 'scripted (offline)' };
}

/**
 * An offline chat model that makes the scenario's tool calls one turn at a time, whatever the
 * tools answer, then gives a final answer listing what happened. Built on `fakeModel()` so it
 * binds tools like a real model and works inside `createReactAgent`.
 */
export function scriptedModel(scenario: readonly ScriptedStep[]): BaseChatModel {
  const model = fakeModel();
  scenario.forEach((step, i) => {
    model.respond(
      () =>
        new AIMessage({
          content: `${SCRIPTED_BANNER} ${step.thought}`,
          tool_calls: [
            {
              id: `scripted_${i + 1}_${step.tool}`,
              name: step.tool,
              args: step.args,
              type: 'tool_call',
            },
          ],
        }),
    );
  });
  model.respond((messages) => new AIMessage(finalAnswer(messages)));
  return model;
}

/** The closing message: the tool results the script received, one line each. */
function finalAnswer(messages: BaseMessage[]): string {
  const results = messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
  const lines = results.map((m) => `- ${m.name ?? 'tool'}: ${preview(m.text)}`);
  return [
    `${SCRIPTED_BANNER} Finished the scripted scenario with ${results.length} tool calls:`,
    ...lines,
  ].join('\n');
}

function preview(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
}
