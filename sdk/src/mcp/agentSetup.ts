import type { Aegis } from '../client';
import { AegisError } from '../errors';
import { toAegisError } from '../serverErrors';

/**
 * Makes sure the agent exists, so its decisions, manifest and graph have a home. A gateway
 * declares no policy: it registers the agent only when Aegis doesn't know it yet (everything then
 * waits for review until a person writes rules), and never replaces rules declared elsewhere.
 */
export async function ensureAgent(aegis: Aegis, agent: string, description: string): Promise<void> {
  try {
    const { status } = await aegis.api.sdk.agentStatus.query({ name: agent });
    if (status !== null) return;
    await aegis.api.sdk.registerAgent.mutate({ name: agent, framework: 'mcp', description });
  } catch (error) {
    throw toAegisError(error, { agent });
  }
}

/** A one-line reason for a failure to start, for the terminal. */
export function startupMessage(error: unknown): string {
  if (error instanceof AegisError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
