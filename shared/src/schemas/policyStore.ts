import { z } from 'zod';
import { agentName, isoTime, toolArgs } from './common';
import { verdict } from './decision';
import { decidingRule, policyDocument } from './policyRules';
import { policyLists } from './policy';

/**
 * Rule policies as the server keeps them: every version immutable, with who made it, when and
 * why. An agent's version also moves when its seed lists change (the lists are rules too); the
 * global policy has versions of its own.
 */

/** Which policy: one agent's, or the global one (`agent` omitted). */
export const policyTarget = z.object({
  agent: agentName.optional().describe('The agent; omit for the global policy'),
});
export type PolicyTarget = z.infer<typeof policyTarget>;


export const policyVersionInfo = z.object({
  agent: agentName.nullable().describe('null for the global policy'),
  version: z.number().int().nonnegative(),
  author: z.string().nullable().describe('Who made this version (null: the agent\'s code or an older release)'),
  message: z.string().nullable(),
  at: isoTime,
  /** Whether this version changed the rule document (the others changed the seed lists). */
  hasDocument: z.boolean(),
  document: policyDocument.nullable().describe('The rule document at this version'),
});
export type PolicyVersionInfo = z.infer<typeof policyVersionInfo>;

/** A policy as stored: its rule document (null when it has only seed lists) and, for agents, the lists. */
export const storedPolicy = z.object({
  agent: agentName.nullable(),
  version: z.number().int().nonnegative(),
  document: policyDocument.nullable().describe('The AgentPolicy/GlobalPolicy document last applied'),
  yaml: z.string().describe('The document as YAML, as `aegis policy get -o yaml` prints it ("" when there is none)'),
  lists: policyLists.nullable().describe('The seed lists (agent policies only), as stored'),
  author: z.string().nullable(),
  message: z.string().nullable(),
  at: isoTime.nullable(),
});
export type StoredPolicy = z.infer<typeof storedPolicy>;

const yamlText = z.string().min(1).max(1_000_000).describe('One or more AgentPolicy/GlobalPolicy documents (YAML or JSON)');

export const applyPolicyInput = z.object({
  yaml: yamlText,
  file: z.string().max(500).optional().describe('File name, for positions in problems'),
  message: z.string().max(500).optional().describe('Why; kept with the new version'),
  dryRun: z.boolean().default(false).describe('Validate and diff only'),
});
export type ApplyPolicyInput = z.input<typeof applyPolicyInput>;

export const policyProblemOut = z.object({
  message: z.string(),
  text: z.string().describe('file:line:column: rule …: message'),
  ruleId: z.string().optional(),
  path: z
    .array(z.union([z.string(), z.number().int()]))
    .optional()
    .describe('Where in the document, e.g. ["rules", 2, "when"] (the third rule\'s condition)'),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  expression: z.object({ line: z.number().int(), column: z.number().int() }).optional(),
});
export type PolicyProblemOut = z.infer<typeof policyProblemOut>;

export const appliedPolicy = z.object({
  agent: agentName.nullable(),
  fromVersion: z.number().int().nonnegative(),
  version: z.number().int().nonnegative().describe('The new version (unchanged when nothing changed or on a dry run)'),
  changed: z.boolean(),
  diff: z.string().describe('Unified-style diff of the rule document (YAML)'),
});
export type AppliedPolicy = z.infer<typeof appliedPolicy>;

export const applyPolicyResult = z.object({
  ok: z.boolean(),
  dryRun: z.boolean(),
  problems: z.array(policyProblemOut),
  policies: z.array(appliedPolicy),
});
export type ApplyPolicyResult = z.infer<typeof applyPolicyResult>;

export const rollbackPolicyInput = policyTarget.extend({
  version: z.number().int().positive().describe('The version whose rule document becomes current again'),
  message: z.string().max(500).optional(),
});
export type RollbackPolicyInput = z.infer<typeof rollbackPolicyInput>;

/** "Try a call": evaluates a draft (or the stored policy) on sample arguments, nothing recorded. */
export const tryPolicyInput = z.object({
  agent: agentName,
  action: z.string().min(1).max(128),
  args: toolArgs.default({}),
  tags: z.array(z.string().max(64)).max(32).optional(),
  yaml: yamlText.optional().describe('A draft of the agent\'s policy; the stored one when omitted'),
});
export type TryPolicyInput = z.input<typeof tryPolicyInput>;

export const tryPolicyResult = z.object({
  ok: z.boolean(),
  problems: z.array(policyProblemOut),
  verdict: verdict.nullable(),
  reason: z.string().nullable(),
  rule: decidingRule.nullable(),
  errors: z.array(z.object({ ruleId: z.string(), message: z.string() })),
});
export type TryPolicyResult = z.infer<typeof tryPolicyResult>;

export const replayPolicyInput = z.object({
  yaml: yamlText.describe('The candidate: AgentPolicy and/or GlobalPolicy documents'),
  sinceHours: z.number().positive().max(24 * 366).default(24 * 7),
  limit: z.number().int().min(1).max(1_000_000).default(100_000).describe('At most this many stored decisions'),
});
export type ReplayPolicyInput = z.input<typeof replayPolicyInput>;

export const replayChange = z.object({
  from: z.string().describe('Stored verdict'),
  to: z.string().describe('What the candidate decides'),
  count: z.number().int(),
  examples: z.array(z.object({ auditId: z.number().int(), agent: z.string(), action: z.string(), argsPreview: z.string().nullable() })),
});

export const replayPolicyResult = z.object({
  ok: z.boolean(),
  problems: z.array(policyProblemOut),
  evaluated: z.number().int(),
  changed: z.number().int(),
  /** Per deciding rule of the candidate. */
  rules: z.array(z.object({ rule: z.string(), changes: z.array(replayChange) })),
  elapsedMs: z.number(),
});
export type ReplayPolicyResult = z.infer<typeof replayPolicyResult>;

