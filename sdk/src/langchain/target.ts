import { AgentHandle } from '../agent';
import type { Aegis } from '../client';

/** What the LangChain helpers guard for: one agent's handle, or the client (agent resolved per call). */
export type AegisOrHandle = Aegis | AgentHandle;

/**
 * The client to decide through and the agent to act as. An explicit agent name wins over the
 * handle's; `undefined` means "resolve from the current agentContext at call time".
 */
export function clientAndAgent(
  target: AegisOrHandle,
  explicit: string | undefined,
): { aegis: Aegis; agent: string | undefined } {
  if (target instanceof AgentHandle) return { aegis: target.aegis, agent: explicit ?? target.name };
  return { aegis: target, agent: explicit };
}
