import {
  CallToolResultSchema,
  type CallToolRequest,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { maskValue } from '@aegis/shared';
import { context, propagation, type Context } from '@opentelemetry/api';
import { AegisError } from '../errors';
import type { CatalogTool } from './catalog';
import { refusal, toolError, UpstreamToolError, withheld } from './refusals';
import type { DownstreamExtra, GatewaySession } from './session';

/** Arguments above this are refused before anything is decided: the REST API's own body limit. */
export const MAX_ARGS_BYTES = 1024 * 1024;

/**
 * The client's trace, when its request carries W3C trace context in `params._meta`
 * (`traceparent`, `tracestate`): the call's spans (execute_tool, the decision, the server's) then
 * continue that trace instead of starting one. Only these two string fields are read.
 */
export function clientTraceContext(meta: Record<string, unknown> | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate'] as const) {
    const value = meta?.[key];
    if (typeof value === 'string' && value.length <= 512) carrier[key] = value;
  }
  if (!carrier.traceparent) return context.active();
  return propagation.extract(context.active(), carrier);
}

/**
 * One `tools/call` through Aegis, exactly as the SDK guards a TypeScript tool: decided by the
 * server (policy, DLP, kill-switch, audit), held for a person on REVIEW — telling the client it
 * still waits with progress notifications — and forwarded only once allowed. Its outcome and
 * duration are recorded against the decision. Nothing is forwarded on any error.
 */
export async function callThroughAegis(
  session: GatewaySession,
  tool: CatalogTool | undefined,
  held: CallToolResult | undefined,
  req: CallToolRequest,
  extra: DownstreamExtra,
): Promise<CallToolResult> {
  const exposed = req.params.name;
  const o = session.options;
  // Held by pinning (changed, or its pin could not be checked): refused without a decision.
  if (held) return held;
  if (!tool) {
    return toolError(
      `Unknown tool "${exposed}": this agent has no such tool. The call was not made.`,
      {
        code: 'UNKNOWN_TOOL',
      },
    );
  }

  const args = req.params.arguments ?? {};
  const size = Buffer.byteLength(JSON.stringify(args));
  if (size > MAX_ARGS_BYTES) {
    return toolError(
      `The arguments of "${exposed}" are ${Math.ceil(size / 1024)} KiB; Aegis takes at most ${MAX_ARGS_BYTES / 1024} KiB per call. The call was not made.`,
      { code: 'ARGS_TOO_LARGE' },
    );
  }

  // Progress must increase across the whole call: review ticks, then the upstream's own.
  const token = req.params._meta?.progressToken;
  let progress = 0;
  const sendProgress = (message?: string) => {
    if (token === undefined) return;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: ++progress, ...(message ? { message } : {}) },
      })
      .catch(() => undefined);
  };
  let ticker: NodeJS.Timeout | undefined;
  const stopTicker = () => clearInterval(ticker);

  // Set once the upstream answered: a refusal after that withholds a result (DLP result rules).
  let ran = false;
  try {
    return await context.with(clientTraceContext(req.params._meta), () =>
      o.aegis.call(
        o.agent,
        tool.action,
        args,
        async (runWith) => {
          stopTicker();
          const client = await session.upstream(tool.upstream);
          const result = (await client.callTool(
            // the arguments as decided: masked when a REDACT rule said so
            { name: tool.name, arguments: runWith === args ? req.params.arguments : runWith },
            CallToolResultSchema,
            {
              signal: extra.signal,
              // masked: a progress message reaches the client beside the screened result
              onprogress:
                token === undefined
                  ? undefined
                  : (p) =>
                      sendProgress(
                        p.message === undefined ? undefined : String(maskValue(p.message)),
                      ),
              resetTimeoutOnProgress: true,
            },
          )) as CallToolResult;
          // The tool's own failure: recorded as the call's `error` outcome, returned as it is.
          if (result.isError) throw new UpstreamToolError(result);
          ran = true;
          return result;
        },
        {
          timeoutMs: o.reviewTimeoutMs,
          signal: extra.signal,
          tool: tool.meta,
          channel: 'mcp',
          // the action need not name the tool (mapped, or characters replaced): record what ran
          upstream: tool.upstream.slice(0, 512),
          upstreamTool: tool.name.slice(0, 512),
          onReview: (approvalId) => {
            const message = `Waiting for a person to approve "${exposed}" on the Aegis dashboard (approval #${approvalId})`;
            sendProgress(message);
            ticker = setInterval(() => sendProgress(message), o.progressIntervalMs);
          },
        },
      ),
    );
  } catch (error) {
    if (error instanceof UpstreamToolError) return maskedFailure(error.result);
    if (error instanceof AegisError)
      return ran ? withheld(error, exposed) : refusal(error, exposed);
    const message = error instanceof Error ? error.message : String(error);
    return toolError(`"${exposed}" failed in its server: ${message.slice(0, 500)}`, {
      code: 'UPSTREAM_ERROR',
    });
  } finally {
    stopTicker();
  }
}

/**
 * The tool's own failure, as the client gets it: with everything DLP finds masked. An error text
 * can quote what the tool failed on (a key, a customer's record), and result rules only screen
 * results, so masking is the least a failure passes through with.
 */
function maskedFailure(result: CallToolResult): CallToolResult {
  return {
    ...result,
    content: maskValue(result.content) as CallToolResult['content'],
    ...(result.structuredContent === undefined
      ? {}
      : { structuredContent: maskValue(result.structuredContent) as Record<string, unknown> }),
  };
}
