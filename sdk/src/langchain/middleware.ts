import { createMiddleware } from 'langchain';
import type { Aegis } from '../client';
import { resolveAgent } from '../context';
import { AegisError } from '../errors';
import type { CallOptions } from '../types';
import { defaultRefusal, refusalMessage, type RefusalFormatter } from './refusal';

/** Options of {@link aegisMiddleware}. */
export interface AegisMiddlewareOptions extends CallOptions {
  /** How a refusal reads to the model. @defaultValue {@link defaultRefusal} */
  formatRefusal?: RefusalFormatter;
}

/**
 * Agent middleware for `langchain`'s `createAgent`: every tool call the agent makes is decided by
 * Aegis first (`wrapToolCall`). Refusals come back to the model as tool messages with the reason.
 * Without `agentName` the agent is taken from the current `agentContext` at call time.
 *
 * @example
 * ```ts
 * const agent = createAgent({ model, tools, middleware: [aegisMiddleware(aegis, 'support')] });
 * ```
 */
export function aegisMiddleware(
  aegis: Aegis,
  agentName?: string,
  options: AegisMiddlewareOptions = {},
) {
  const { formatRefusal = defaultRefusal, ...callOptions } = options;
  return createMiddleware({
    name: 'AegisMiddleware',
    wrapToolCall: async (request, handler) => {
      const action = request.toolCall.name;
      try {
        const agent = resolveAgent(agentName, action);
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
