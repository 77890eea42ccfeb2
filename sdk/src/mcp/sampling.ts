import {
  CreateMessageResultSchema,
  ErrorCode,
  McpError,
  type CreateMessageResult,
} from '@modelcontextprotocol/sdk/types.js';
import { AegisError } from '../errors';
import { defaultAction } from './catalog';
import type { GatewaySession } from './session';
import { MAX_ARGS_BYTES } from './toolCall';

/**
 * The action an upstream's `sampling/createMessage` is decided as: `<upstream>.mcp:sampling`. MCP
 * tool names can't hold ":", so no tool of the upstream maps to it.
 */
export function samplingAction(upstream: string): string {
  return defaultAction(upstream, 'mcp:sampling');
}

/**
 * An upstream asking the client's model for a completion, decided like a tool call of the agent
 * (attack review 10: it went to the model and back with no decision, no record and no DLP, while
 * the same upstream's tool calls were decided). The request's parameters are the arguments —
 * the messages the upstream wants completed, their DLP findings on the record; the model's answer
 * is the result, screened by result rules before it reaches the upstream (a card the model
 * repeats from another upstream's data is masked, withheld or held like a tool's result). An
 * action the policy doesn't name waits for a person, as any; list it to let it pass. Refused with
 * an MCP error (the upstream asked, so the upstream gets the answer).
 */
export async function sampleThroughAegis(
  session: GatewaySession,
  upstream: string,
  params: Record<string, unknown> | undefined,
  signal: AbortSignal,
): Promise<CreateMessageResult> {
  const o = session.options;
  const action = samplingAction(upstream);
  const { _meta: _ignored, ...args } = params ?? {};
  const size = Buffer.byteLength(JSON.stringify(args));
  if (size > MAX_ARGS_BYTES) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Aegis refused "${action}": the request is ${Math.ceil(size / 1024)} KiB; Aegis takes at most ${MAX_ARGS_BYTES / 1024} KiB`,
    );
  }
  try {
    return await o.aegis.call(
      o.agent,
      action,
      args,
      (runWith) =>
        session.server.request(
          // the parameters as decided: masked when a REDACT rule said so
          { method: 'sampling/createMessage', params: runWith === args ? params : runWith },
          CreateMessageResultSchema,
          { signal },
        ),
      {
        timeoutMs: o.reviewTimeoutMs,
        signal,
        channel: 'mcp',
        upstream: upstream.slice(0, 512),
        upstreamTool: 'sampling/createMessage',
      },
    );
  } catch (error) {
    if (error instanceof AegisError) {
      const reason = error.details.reason ?? error.message;
      throw new McpError(
        ErrorCode.InvalidRequest,
        `Aegis refused "${action}" (${error.code}): ${reason}`,
        { aegis: { code: error.code, approvalId: error.details.approvalId ?? null } },
      );
    }
    throw error;
  }
}
