import { z } from 'zod';
import { actionName, agentName, isoTime, sequentialId } from './common';
import { agent } from './agent';
import { agentLabels } from './policyRules';
import { agentPolicy, ruleType } from './policy';
import { agentDeclarationFields } from './manifest';

/** One rule moving from one value to another; `null` is "no rule" (the action goes to review). */
export const ruleChange = z.object({
  action: actionName,
  from: ruleType.nullable(),
  to: ruleType.nullable(),
});
export type RuleChange = z.infer<typeof ruleChange>;

export const proposalStatus = z.enum(['PENDING', 'ACCEPTED', 'REJECTED', 'SUPERSEDED']);
export type ProposalStatus = z.infer<typeof proposalStatus>;

/**
 * A change to an agent's policy that its code asked for and that loosens it (a new ALLOW,
 * BLOCK → REVIEW/ALLOW, REVIEW → ALLOW): it takes effect only when an admin accepts it.
 */
export const policyProposal = z.object({
  id: sequentialId,
  agent: agentName,
  changes: z.array(ruleChange),
  status: proposalStatus,
  proposedBy: z.string().describe('The key whose registration asked for it'),
  baseVersion: z.number().int().nonnegative().describe('The policy version it was proposed against'),
  createdAt: isoTime,
  decidedAt: isoTime.nullable(),
  decidedBy: z.string().nullable(),
});
export type PolicyProposal = z.infer<typeof policyProposal>;

export const proposalsQuery = z.object({
  status: proposalStatus.optional(),
  agent: agentName.optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const decideProposalInput = z.object({ id: sequentialId });

/** An agent's registration: its profile and the policy its code declares. */
export const registerAgentInput = z.object({
  name: agentName,
  owner: z.string().max(200).default(''),
  description: z.string().max(2000).default(''),
  framework: z.string().max(100).default('typescript'),
  allows: z.array(actionName).max(1000).default([]),
  blocks: z.array(actionName).max(1000).default([]),
  review: z.array(actionName).max(1000).default([]),
  labels: agentLabels
    .optional()
    .describe(
      'Labels for rule selectors (team: lending); omitted keeps the current ones. From an agent key they apply until its first call; later an admin changes them',
    ),
  ...agentDeclarationFields,
});
export type RegisterAgentInput = z.infer<typeof registerAgentInput>;

export const registerAgentResult = z.object({
  agent,
  policy: agentPolicy,
  changed: z.boolean(),
  proposal: policyProposal
    .nullable()
    .describe('Set when the declared policy loosens the current one: those changes wait for an admin'),
  notice: z.string().nullable().describe('What did not take effect, and why'),
});
export type RegisterAgentResult = z.infer<typeof registerAgentResult>;
