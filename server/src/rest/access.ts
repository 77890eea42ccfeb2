import type { Principal } from '@aegis/shared';
import { assertActsAs } from '../trpc/procedures';

/**
 * Who may read an agent's SDK-facing state (status, policy, approvals, log): the agent's own key,
 * or any person (every person has at least the viewer role). The seed's CLI read these paths on
 * behalf of people, so they are not limited to agent keys.
 */
export function assertMayRead(principal: Principal, agent: string): void {
  if (principal.role === 'agent') assertActsAs(principal, agent);
}

/** Whether a principal sees entries about this agent in a cross-agent list. */
export function mayRead(principal: Principal, agent: string): boolean {
  return principal.role !== 'agent' || (principal.agents ?? []).includes(agent);
}
