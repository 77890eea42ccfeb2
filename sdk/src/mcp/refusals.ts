import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AegisError } from '../errors';

/**
 * What the model reads when Aegis refuses a call. Refusals are tool errors (`isError: true`), not
 * protocol errors, so the model sees them; each says plainly whether retrying can help, because a
 * model that retries a blocked call only burns tokens and floods the reviewers.
 */
export function refusalText(error: AegisError, exposed: string): string {
  const reason = error.details.reason;
  const approval = error.details.approvalId ? ` (approval #${error.details.approvalId})` : '';
  switch (error.code) {
    case 'BLOCKED':
      return `Aegis blocked "${exposed}": ${reason ?? 'not allowed by policy'}. The call was not made. Do not retry it — it will be blocked again; tell the user it is not allowed.`;
    case 'KILLED':
      return `Aegis refused "${exposed}": this agent is paused by its kill-switch. The call was not made. Do not retry; no tool will run until a person revives the agent.`;
    case 'APPROVAL_DENIED':
      return `A person reviewed "${exposed}" on the Aegis dashboard and denied it${approval}. The call was not made. Do not retry it.`;
    case 'APPROVAL_TIMEOUT':
      return `Nobody approved "${exposed}" in time${approval}, so it was not made. Do not retry it unless the user asks you to.`;
    case 'UNAVAILABLE':
      return `Aegis, the firewall for this agent's tool calls, could not be reached, so "${exposed}" was not made (it fails closed). Do not retry right away; tell the user the firewall is unavailable.`;
    case 'CANCELLED':
      return `"${exposed}" was cancelled before it was made.`;
    case 'APPROVAL_PENDING':
    case 'BAD_REQUEST':
    case 'CONFLICT':
    case 'FORBIDDEN':
    case 'INTERNAL':
    case 'NO_AGENT':
    case 'NOT_FOUND':
    case 'RATE_LIMITED':
    case 'UNAUTHORIZED':
    case 'UNKNOWN_AGENT':
      return `Aegis refused "${exposed}": ${error.message}. The call was not made.`;
  }
}

/** A tool error result carrying Aegis's verdict in `_meta` for clients that want it. */
export function toolError(text: string, aegis: Record<string, unknown> = {}): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true, _meta: { aegis } };
}

export function refusal(error: AegisError, exposed: string): CallToolResult {
  return toolError(refusalText(error, exposed), {
    code: error.code,
    callId: error.details.callId ?? null,
    approvalId: error.details.approvalId ?? null,
  });
}

/** The tool ran, but its result may not reach the model (a DLP result rule blocked or withheld it). */
export function withheld(error: AegisError, exposed: string): CallToolResult {
  return toolError(
    `"${exposed}" ran, but Aegis withheld its result: ${error.details.reason ?? error.message}. Do not retry it to get the result.`,
    {
      code: 'RESULT_WITHHELD',
      callId: error.details.callId ?? null,
      approvalId: error.details.approvalId ?? null,
    },
  );
}

/** An upstream's own tool error, carried through the SDK's outcome report (recorded as `error`). */
export class UpstreamToolError extends Error {
  override name = 'UpstreamToolError';
  constructor(readonly result: CallToolResult) {
    const first = result.content.find((c) => c.type === 'text');
    super(first && 'text' in first ? first.text.slice(0, 500) : 'the tool reported an error');
  }
}
