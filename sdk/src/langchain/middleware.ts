import { createMiddleware } from 'langchain';
import { resolveAgent } from '../context';
import { AegisError } from '../errors';
import type { CallOptions } from '../types';
import { defaultRefusal, refusalMessage, type RefusalFormatter } from './refusal';
import { clientAndAgent, type AegisOrHandle } from './target';

/** Options of {@link aegisMiddleware}. */
export interface AegisMiddlewareOptions extends CallOptions {
  /** How a refusal reads to the model. @defaultValue {@link defaultRefusal} */
  formatRefusal?: RefusalFormatter;
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
  const { formatRefusal = defaultRefusal, ...callOptions } = options;
  const { aegis, agent: named } = clientAndAgent(target, agentName);
  return createMiddleware({
    name: 'AegisMiddleware',
    wrapToolCall: async (request, handler) => {
      const action = request.toolCall.name;
      try {
        const agent = resolveAgent(named, action);
        return await aegis.call(
          agent,
          action,
          request.toolCall.args,
          () => handler(request),
          callOptions,
        );
      } catch (error) {
        if (!(error instanceof AegisError)) throw error;
        return refusalMessage(formatRefusal(error, action), action, request.toolCall.id ?? '');
      }
    },
  });
}
