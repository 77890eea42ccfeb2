import { createMiddleware } from 'langchain';
import { resolveAgent } from '../context';
import { AegisError } from '../errors';
import type { CallOptions } from '../types';
import { defaultRefusal, refusalMessage, type RefusalFormatter } from './refusal';
import { callWithInterruptReview } from './interruptReview';
import { clientAndAgent, type AegisOrHandle } from './target';
import type { ReviewMode } from './wrapTools';

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
        const run = () => handler(request);
        if (review === 'interrupt') {
          const where = {
            threadId: request.runtime.configurable?.thread_id,
            toolCallId: request.toolCall.id,
          };
          return await callWithInterruptReview(
            aegis,
            { agent, action, args, run },
            where,
            callOptions,
          );
        }
        return await aegis.call(agent, action, args, run, callOptions);
      } catch (error) {
        if (!(error instanceof AegisError)) throw error;
        return refusalMessage(formatRefusal(error, action), action, request.toolCall.id ?? '');
      }
    },
  });
}
