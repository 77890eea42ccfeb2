import type { ToolMessage } from '@langchain/core/messages';
import {
  DynamicStructuredTool,
  type StructuredTool,
  type StructuredToolInterface,
} from '@langchain/core/tools';
import type { ToolRunnableConfig } from '@langchain/core/tools';
import { AgentHandle } from '../agent';
import { isPlainObject } from '../args';
import { declarationOf } from './declare';
import { resolveAgent } from '../context';
import { AegisError } from '../errors';
import type { CallOptions } from '../types';
import { defaultRefusal, refusalMessage, type RefusalFormatter } from './refusal';
import { callInReviewMode, type ReviewMode } from './interruptReview';
import { clientAndAgent, type AegisOrHandle } from './target';

/** Options of {@link wrapTools}. */
export interface WrapToolsOptions extends CallOptions {
  /** Agent to act as. @defaultValue the handle's agent, else the current `agentContext` */
  agent?: string;
  /** How a refusal reads to the model. @defaultValue {@link defaultRefusal} */
  formatRefusal?: RefusalFormatter;
  /**
   * How a REVIEW is waited for. `'wait'`: the call is held in this process until a person decides
   * (or `wait: false` answers the model at once). `'interrupt'`: the graph pauses with LangGraph's
   * `interrupt()` (needs a checkpointer and a `thread_id`) and resumes when a person decides — see
   * `resumeOnDecision`. @defaultValue 'wait'
   */
  review?: ReviewMode;
}

/**
 * Guarded copies of LangChain tools (`tool()` or any structured tool). Same name, description and
 * schema, so the model sees no difference; each call is decided first, and a refusal returns a
 * tool message with the reason instead of throwing — the graph carries on. Pass an agent handle
 * to guard the tools for that agent, or the client to resolve the agent at call time.
 *
 * @example
 * ```ts
 * const support = aegis.agent('support', { allows: ['lookup_balance'] });
 * const agent = createReactAgent({ llm, tools: wrapTools(support, [lookupBalance, deleteRecords]) });
 * // shared tools: the agent comes from the enclosing agentContext / handle.run
 * const shared = wrapTools(aegis, tools);
 * ```
 */
export function wrapTools<T extends StructuredToolInterface>(
  target: AegisOrHandle,
  tools: readonly T[],
  options: WrapToolsOptions = {},
): StructuredToolInterface[] {
  const {
    agent: explicitAgent,
    formatRefusal = defaultRefusal,
    review = 'wait',
    ...callOptions
  } = options;
  const { aegis, agent: explicit } = clientAndAgent(target, explicitAgent);
  // A handle knows its agent now: the tools go into its manifest (shared tools resolve per call).
  if (target instanceof AgentHandle && explicitAgent === undefined) {
    const declared = tools.flatMap((t) => declarationOf(t) ?? []);
    target.declareTools(declared).catch((error: unknown) => {
      console.warn('[aegis] could not declare tools:', error instanceof Error ? error.message : error);
    });
  }
  return tools.map((original) => {
    const func = async (
      input: unknown,
      _runManager?: unknown,
      config?: ToolRunnableConfig,
    ): Promise<unknown> => {
      const action = original.name;
      const args = isPlainObject(input) ? input : { input };
      try {
        const agent = resolveAgent(explicit, action);
        // Without the tool call the original returns its raw output rather than a ToolMessage,
        // so Aegis screens the content itself (DLP on results); this tool wraps it as usual.
        // `runWith` is `args` itself, or its masked copy when a REDACT rule decided.
        const run = (runWith: Record<string, unknown>) => {
          const given = runWith === args ? input : isPlainObject(input) ? runWith : runWith.input;
          return original.invoke(given as never, config && withoutToolCall(config));
        };
        const where = {
          threadId: config?.configurable?.thread_id as unknown,
          toolCallId: config?.toolCall?.id,
        };
        return await callInReviewMode(
          aegis,
          review,
          { agent, action, args, run },
          where,
          callOptions,
        );
      } catch (error) {
        if (!(error instanceof AegisError)) throw error;
        const text = formatRefusal(error, action);
        const toolCallId = config?.toolCall?.id;
        return toolCallId ? (refusalMessage(text, action, toolCallId) satisfies ToolMessage) : text;
      }
    };
    // Not every StructuredToolInterface declares these; carry them over when present.
    const extra = original as Partial<
      Pick<StructuredTool, 'responseFormat' | 'metadata' | 'tags' | 'verboseParsingErrors'>
    >;
    return new DynamicStructuredTool({
      name: original.name,
      description: original.description,
      schema: original.schema,
      func,
      returnDirect: original.returnDirect,
      responseFormat: extra.responseFormat,
      metadata: extra.metadata,
      tags: extra.tags,
      verboseParsingErrors: extra.verboseParsingErrors,
    }) as StructuredToolInterface;
  });
}

function withoutToolCall(config: ToolRunnableConfig): ToolRunnableConfig {
  const { toolCall: _call, ...rest } = config;
  return rest;
}
