import { ToolMessage } from '@langchain/core/messages';
import type { Command } from '@langchain/langgraph';
import { createMiddleware } from 'langchain';
import { resolveAgent } from '../context';
import { AegisError } from '../errors';
import type { CallOptions } from '../types';
import { defaultRefusal, refusalMessage, type RefusalFormatter } from './refusal';
import { callInReviewMode, type ReviewMode } from './interruptReview';
import { clientAndAgent, type AegisOrHandle } from './target';

/** Options of {@link aegisMiddleware}. */
export interface AegisMiddlewareOptions extends CallOptions {
  /** How a refusal reads to the model. @defaultValue {@link defaultRefusal} */
  formatRefusal?: RefusalFormatter;
  /** How a REVIEW is waited for (see `wrapTools`' `review`). @defaultValue 'wait' */
  review?: ReviewMode;
}

/**
 * Agent middleware for `langchain`'s `createAgent`: every tool call the agent makes is decided by
 * Aegis first (`wrapToolCall`). Refusals come back to the model as tool messages with the reason.
 * Given an agent handle (or the client and `agentName`) the calls are that agent's; given only the
 * client, the agent is taken from the current `agentContext` at call time.
 *
 * @example
 * ```ts
 * const agent = createAgent({ model, tools, middleware: [aegisMiddleware(support)] });
 * const agent = createAgent({ model, tools, middleware: [aegisMiddleware(aegis, 'support')] });
 * ```
 */
export function aegisMiddleware(
  target: AegisOrHandle,
  agentName?: string,
  options: AegisMiddlewareOptions = {},
) {
  const { formatRefusal = defaultRefusal, review = 'wait', ...callOptions } = options;
  const { aegis, agent: named } = clientAndAgent(target, agentName);
  return createMiddleware({
    name: 'AegisMiddleware',
    wrapToolCall: async (request, handler) => {
      const action = request.toolCall.name;
      try {
        const agent = resolveAgent(named, action);
        const args = request.toolCall.args;
        // The handler wraps the tool's output in a ToolMessage (a class instance DLP does not look
        // into): the guard screens what the model will read — its content, and an artifact if
        // any — and the message is rebuilt from the screened copy (see screenedMessage).
        let message: ToolMessage | undefined;
        // `runWith` is `args` itself, or its masked copy when a REDACT rule decided.
        const run = async (runWith: Record<string, unknown>): Promise<unknown> => {
          const out = await handler(
            runWith === args
              ? request
              : { ...request, toolCall: { ...request.toolCall, args: runWith } },
          );
          if (!ToolMessage.isInstance(out)) return out;
          message = out;
          const artifact: unknown = out.artifact;
          return artifact === undefined ? out.content : { content: out.content, artifact };
        };
        const where = {
          threadId: request.runtime.configurable?.thread_id as unknown,
          toolCallId: request.toolCall.id,
        };
        const screened = await callInReviewMode(
          aegis,
          review,
          { agent, action, args, run },
          where,
          callOptions,
        );
        return screenedMessage(message, screened);
      } catch (error) {
        if (!(error instanceof AegisError)) throw error;
        return refusalMessage(formatRefusal(error, action), action, request.toolCall.id ?? '');
      }
    },
  });
}

/** The tool's message with its content (and artifact) as screened; a Command passes as it came. */
function screenedMessage(
  message: ToolMessage | undefined,
  screened: unknown,
): ToolMessage | Command {
  if (!message) return screened as Command;
  const { content, artifact } =
    message.artifact === undefined
      ? { content: screened as ToolMessage['content'], artifact: undefined }
      : (screened as { content: ToolMessage['content']; artifact: unknown });
  return new ToolMessage({
    content,
    artifact,
    tool_call_id: message.tool_call_id,
    name: message.name,
    status: message.status,
    id: message.id,
    additional_kwargs: message.additional_kwargs,
    response_metadata: message.response_metadata,
  });
}
