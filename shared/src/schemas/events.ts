import { z } from 'zod';
import { agentName, actionName } from './common';
import { agentStatus } from './agent';
import { approvalSummary as approval } from './approval';
import { policyProposal } from './proposal';
import { anomaly } from './analytics';

/** Changes pushed to the dashboard and the SDK (besides audit entries, which have their own stream). */
export const changeEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('approval.created'), approval }),
  /** An approval changed: decided or expired — or, still PENDING, a quorum vote or a longer wait. */
  z.object({ type: z.literal('approval.decided'), approval }),
  z.object({ type: z.literal('agent.status'), agent: agentName, status: agentStatus }),
  z.object({ type: z.literal('agent.registered'), agent: agentName }),
  z.object({
    type: z.literal('policy.changed'),
    agent: agentName,
    action: actionName.nullable(),
    version: z.number().int(),
  }),
  /** The global policy (rules for every agent) has a new version: every agent's policy changed. */
  z.object({ type: z.literal('policy.global.changed'), version: z.number().int() }),
  /** Every agent, policy, audit entry and approval was wiped (demo reset): drop what you show. */
  z.object({ type: z.literal('governance.reset') }),
  z.object({ type: z.literal('proposal.created'), agent: agentName, proposal: policyProposal }),
  /** Governance violations opened, resolved or acknowledged: reload the Governance page. */
  z.object({ type: z.literal('governance.changed'), opened: z.number().int(), resolved: z.number().int() }),
  z.object({ type: z.literal('proposal.decided'), agent: agentName, proposal: policyProposal }),
  /** An agent's calls left their baseline (services/analytics/anomalyWatch.ts). */
  z.object({ type: z.literal('anomaly.detected'), anomaly }),
]);
export type ChangeEvent = z.infer<typeof changeEvent>;
