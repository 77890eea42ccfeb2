import { ToolMessage } from '@langchain/core/messages';
import { AegisApprovalPendingError, type AegisError } from '../errors';

/** Turns a refusal into text a model can act on: what was refused, why, and not to retry. */
export type RefusalFormatter = (error: AegisError, toolName: string) => string;

/** The default wording of a refused tool call as the model reads it. */
export const defaultRefusal: RefusalFormatter = (error, toolName) => {
  const reason = error.details.reason ?? error.message;
  if (error instanceof AegisApprovalPendingError) {
    return `Aegis: "${toolName}" is waiting for human approval #${error.approvalId} (${reason}). Continue without it for now.`;
  }
  return `Aegis refused "${toolName}" [${error.code}]: ${reason}. Do not retry this call; continue with what you can do.`;
};

/** A refusal as the tool message LangChain hands back to the model (status `error`). */
export function refusalMessage(content: string, toolName: string, toolCallId: string): ToolMessage {
  return new ToolMessage({ content, tool_call_id: toolCallId, name: toolName, status: 'error' });
}
