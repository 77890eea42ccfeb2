import { z } from 'zod';
import { agentName } from './common';

/** Who is calling: people (dashboard, CLI) by role, or an agent key scoped to named agents. */
export const role = z.enum(['admin', 'reviewer', 'viewer', 'agent']);
export type Role = z.infer<typeof role>;

export const principal = z.object({
  keyId: z.string(),
  name: z.string().describe('Label of the key or person; recorded as decidedBy'),
  role,
  agents: z.array(agentName).nullable().describe('Agent keys: the agents it may act as'),
  session: z
    .literal(true)
    .optional()
    .describe('Signed in with a dashboard session cookie: a person in a browser, never an agent process'),
});
export type Principal = z.infer<typeof principal>;

const rank: Record<Role, number> = { agent: 0, viewer: 1, reviewer: 2, admin: 3 };

/** People's roles are ordered; an agent key is not a person and satisfies none of them. */
export function hasRole(p: Principal, needed: Exclude<Role, 'agent'>): boolean {
  return p.role !== 'agent' && rank[p.role] >= rank[needed];
}

/** Whether a principal may act as (or for) the named agent through the SDK procedures. */
export function mayActAs(p: Principal, agent: string): boolean {
  if (p.role === 'admin') return true;
  return p.role === 'agent' && (p.agents ?? []).includes(agent);
}
