import { z } from 'zod';
import { policyLists } from './policy';
import { customDetectorSpec } from '../dlp/custom/customDetector';
import { agentName } from './common';

/**
 * Policy as code: the documents people write (YAML or JSON), validated here and compiled by
 * `compilePolicy`. One document per policy: `kind: AgentPolicy` (one agent's rules) or
 * `kind: GlobalPolicy` (rules for every agent, selected by name, glob or labels).
 */

export const ruleEffect = z
  .enum(['ALLOW', 'BLOCK', 'REVIEW'])
  .describe('What a matching rule decides: run it, refuse it, or hold it for a person');
export type RuleEffect = z.infer<typeof ruleEffect>;

/**
 * What a matching `on: result` rule does with a tool's result once it has run: hand it over,
 * hand it over with every DLP match masked, drop it (the agent gets a refusal), or hold it until a
 * person releases or withholds it.
 */
export const resultEffect = z
  .enum(['ALLOW', 'REDACT', 'BLOCK', 'REVIEW'])
  .describe('on: result — ALLOW hands the result over, REDACT masks what DLP found, BLOCK drops it, REVIEW holds it for a person');
export type ResultEffect = z.infer<typeof resultEffect>;

/** When a rule is read: before the call runs, or on the tool's result. */
export const ruleStage = z.enum(['call', 'result']);
export type RuleStage = z.infer<typeof ruleStage>;

export const ruleSeverity = z.enum(['low', 'medium', 'high', 'critical']).describe('How serious a match is, for people reading the record');
export type RuleSeverity = z.infer<typeof ruleSeverity>;

export const ruleId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits, "_", ".", ":" or "-", starting with a letter or digit')
  .describe('Unique within its policy; named by every decision the rule makes');

/** An action name, or a glob over action names (`*` any run of characters, `?` one character). */
export const actionPattern = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:/*?-]+$/, 'an action name or a glob: letters, digits, "_", ".", ":", "/", "-", "*" or "?"')
  .describe('Action name or glob, e.g. transfer_funds or access_*');

/** An agent name or glob (same characters as agent names, plus `*` and `?`). */
export const agentPattern = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9*?][A-Za-z0-9 _.:*?-]*$/, 'an agent name or a glob such as loan_*')
  .describe('Agent name or glob, e.g. loan_*');

export const labelKey = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/, 'letters, digits, "_", ".", "/" or "-", starting with a letter or digit');
export const labelValue = z.string().max(63);
const MAX_LABELS = 32;
/** Agent labels, declared at registration (`team: lending`, `tier: prod`). */
export const agentLabels = z
  .record(labelKey, labelValue)
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`)
  .describe('Labels of an agent, e.g. team: lending');
export type AgentLabels = z.infer<typeof agentLabels>;

export const labelSelector = z
  .object({ labels: agentLabels.describe('Every label listed must be present with this value ("*": any value)') })
  .strict();
export type LabelSelector = z.infer<typeof labelSelector>;

export const agentSelector = z.union([agentPattern, labelSelector]);
export type AgentSelector = z.infer<typeof agentSelector>;

/** Names of notification channels (`aegis channels`, server/src/notify). */
export const channelName = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);

/** How an approval rule waits for people (issue 23): quorum, SLA and who hears when it lapses. */
export const approvalRuleSpec = z
  .object({
    quorum: z.number().int().min(1).max(10).optional().describe('Approvals from distinct people needed (default 1); one deny decides'),
    sla: z
      .string()
      .regex(/^\d{1,7}(ms|s|m|h)$/, 'a duration such as 90s, 5m or 1h')
      .optional()
      .describe('Not decided within this long: the escalate channels are told'),
    escalate: z.array(channelName).max(20).optional().describe('Channels told when the SLA lapses (the next tier)'),
  })
  .strict();
export type ApprovalRuleSpec = z.infer<typeof approvalRuleSpec>;

/** Bounds a document's schema sets; the compiler reuses them to check a rejected draft no further. */
export const MAX_EXPRESSION = 2000;
export const MAX_REASON = 500;
export const MAX_RULES = 2000;

export const policyRuleSpec = z
  .object({
    id: ruleId,
    description: z.string().max(1000).optional(),
    on: ruleStage
      .optional()
      .describe('"call" (the default) decides a tool call before it runs; "result" decides what happens to its result (DLP)'),
    agents: z
      .array(agentSelector)
      .min(1)
      .max(100)
      .optional()
      .describe('GlobalPolicy only: agents the rule applies to (names, globs, label selectors); every agent when omitted'),
    actions: z.array(actionPattern).min(1).max(200).describe('Actions the rule applies to (names or globs)'),
    when: z
      .string()
      .min(1)
      .max(MAX_EXPRESSION)
      .optional()
      .describe('CEL condition over args, agent, action, tool, now, history, session, dlp; the rule matches only when true'),
    effect: resultEffect.describe(
      'ALLOW, BLOCK or REVIEW; REDACT runs the call (or hands the result over) with what DLP found masked',
    ),
    reason: z
      .string()
      .max(MAX_REASON)
      .optional()
      .describe('Shown to the agent and the reviewer; {{ args.x }}, {{ agent.name }}, {{ action }}, {{ tool.description }} are filled in'),
    severity: ruleSeverity.optional(),
    priority: z
      .number()
      .int()
      .min(-1000)
      .max(1000)
      .optional()
      .describe('Higher wins among matching rules; without it BLOCK beats REVIEW beats ALLOW'),
    notify: z.array(channelName).max(20).optional().describe('Channels told when the rule opens an approval (see docs: approvals in chat and e-mail)'),
    approval: approvalRuleSpec.optional().describe('REVIEW rules: quorum, SLA and escalation of the approvals it opens'),
  })
  .strict();
export type PolicyRuleSpec = z.infer<typeof policyRuleSpec>;

const ruleList = z
  .array(policyRuleSpec)
  .max(MAX_RULES)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, i) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
    });
  });

/**
 * Detectors declared in policy, found by `dlp.found('<name>')` like the built-in ones. Each
 * pattern is checked when the policy is saved: one that could backtrack catastrophically is refused.
 */
const detectorList = z
  .array(customDetectorSpec)
  .max(50)
  .superRefine((detectors, ctx) => {
    const seen = new Set<string>();
    detectors.forEach((d, i) => {
      if (seen.has(d.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate detector "${d.name}"` });
      seen.add(d.name);
    });
  })
  .describe('Custom DLP detectors: a name and a regular expression');

export const agentPolicyDocument = z
  .object({
    apiVersion: z.literal('aegis/v1').optional(),
    kind: z.literal('AgentPolicy'),
    agent: agentName,
    description: z.string().max(2000).optional(),
    default: ruleEffect
      .optional()
      .describe('Effect when no rule matches; falls back to the global default, then REVIEW'),
    detectors: detectorList.optional(),
    rules: ruleList,
  })
  .strict()
  .superRefine((doc, ctx) => {
    doc.rules.forEach((rule, i) => {
      if (rule.agents) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'agents'],
          message: `an AgentPolicy's rules apply to its agent (${doc.agent}); select agents in a GlobalPolicy`,
        });
      }
    });
  });
export type AgentPolicyDocument = z.infer<typeof agentPolicyDocument>;

export const globalPolicyDocument = z
  .object({
    apiVersion: z.literal('aegis/v1').optional(),
    kind: z.literal('GlobalPolicy'),
    description: z.string().max(2000).optional(),
    default: ruleEffect.optional().describe('Effect when no rule matches and the agent policy sets no default (REVIEW when unset)'),
    detectors: detectorList.optional(),
    rules: ruleList,
  })
  .strict();
export type GlobalPolicyDocument = z.infer<typeof globalPolicyDocument>;

export const policyDocument = z.discriminatedUnion('kind', [agentPolicyDocument, globalPolicyDocument]);
export type PolicyDocument = z.infer<typeof policyDocument>;

/** The rule that decided a call: named on decisions and audit entries. */
export const decidingRule = z.object({
  id: z.string().describe('Rule id; "default" when no rule matched'),
  scope: z.enum(['agent', 'global', 'default']),
  version: z.number().int().nonnegative().describe('Version of the policy the rule belongs to'),
});
export type DecidingRuleRef = z.infer<typeof decidingRule>;

/**
 * What local mode needs to evaluate an agent's calls itself, beside its lists and status: the
 * agent's rule document and the global one (only the global rules that select this agent, so no
 * key learns other agents' rules), each with its version — compiled in-process with the same
 * `compileEffective` the server uses.
 */
export const localPolicyRules = z.object({
  version: z.number().int().nonnegative().describe("The agent's policy version (what local records name)"),
  owner: z.string(),
  labels: agentLabels.optional().describe("The agent's labels: conditions read them as agent.labels"),
  lists: policyLists.describe('The lists as stored (declared by code or set per action), before any rule is read'),
  document: agentPolicyDocument.nullable().describe("The agent's rule document in force (null: lists only)"),
  global: z.object({
    version: z.number().int().nonnegative(),
    document: globalPolicyDocument.nullable().describe('The global rules that select this agent'),
  }),
  toolTags: z
    .record(z.string(), z.array(z.string()))
    .optional()
    .describe("Tags the agent declared per tool: rules see them on every call of the tool, whatever tags the call sends"),
});
export type LocalPolicyRules = z.infer<typeof localPolicyRules>;
