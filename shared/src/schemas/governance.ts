import { z } from 'zod';
import { agentName, isoTime } from './common';

/** Governance: posture rules checked against manifests, separate from the per-call policy. */

export const severity4 = z.enum(['critical', 'high', 'medium', 'low']);
export type Severity4 = z.infer<typeof severity4>;
export const SEVERITY_ORDER: readonly Severity4[] = ['critical', 'high', 'medium', 'low'];

export const governanceRuleId = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-"');

/** `kind: GovernanceRule`, one YAML document each. */
export const governanceRule = z
  .object({
    kind: z.literal('GovernanceRule'),
    id: governanceRuleId,
    description: z.string().min(1).max(500).describe('What the rule checks, one line'),
    severity: severity4,
    scope: z
      .enum(['agent', 'tool'])
      .default('agent')
      .describe('agent: `when` sees `manifest`; tool: it runs once per tool and also sees `tool`'),
    when: z.string().min(1).max(2000).describe('CEL over the manifest; true means a violation'),
    remediation: z.string().max(1000).default(''),
    explanation: z
      .string()
      .max(1000)
      .default('')
      .describe('The risk in plain language; {{agent}}, {{tool}}, {{owner}} are filled in'),
    controls: z
      .object({
        soc2: z.array(z.string().max(40)).max(20).default([]),
        gdpr: z.array(z.string().max(40)).max(20).default([]),
        hipaa: z.array(z.string().max(40)).max(20).default([]),
      })
      .partial()
      .default({})
      .describe('Control families this rule gives evidence for (guidance, not certification)'),
  })
  .strict();
export type GovernanceRule = z.infer<typeof governanceRule>;

export const violationStatus = z.enum(['OPEN', 'RESOLVED']);

export const violation = z.object({
  key: z.string(),
  ruleId: z.string(),
  agent: agentName,
  tool: z.string().nullable(),
  severity: severity4,
  title: z.string(),
  explanation: z.string(),
  explanationSource: z.enum(['template', 'gemini']).describe('Who wrote the explanation'),
  remediation: z.string(),
  status: violationStatus,
  firstSeen: isoTime,
  lastSeen: isoTime,
  resolvedAt: isoTime.nullable(),
  acknowledged: z.boolean().describe('An acknowledgement is in force (not expired)'),
  ack: z.object({ by: z.string(), reason: z.string(), at: isoTime, expiresAt: isoTime }).nullable(),
});
export type Violation = z.infer<typeof violation>;

export const violationsQuery = z.object({
  status: violationStatus.optional().default('OPEN'),
  severity: severity4.optional(),
  agent: agentName.optional(),
  ruleId: z.string().max(80).optional(),
  limit: z.number().int().min(1).max(1000).default(500),
});

export const violationsList = z.object({
  violations: z.array(violation),
  counts: z
    .record(severity4, z.number().int().nonnegative())
    .describe('Open, unacknowledged, by severity'),
});

export const acknowledgeInput = z.object({
  key: z.string().min(1).max(400),
  reason: z.string().trim().min(1, 'say why').max(1000),
  expiresInDays: z.number().int().min(1).max(365).default(30),
});

export const applyGovernanceInput = z.object({
  yaml: z.string().min(1).max(200_000),
  dryRun: z.boolean().default(false),
});

export const governanceProblem = z.object({
  message: z.string(),
  line: z.number().int().nullable(),
});
export type GovernanceProblem = z.infer<typeof governanceProblem>;

export const applyGovernanceResult = z.object({
  ok: z.boolean(),
  problems: z.array(governanceProblem),
  applied: z.array(z.string()).describe('Rule ids stored (none on a dry run or with problems)'),
});

export const governanceRuleInfo = z.object({
  rule: governanceRule,
  source: z.enum(['builtin', 'custom']),
});

export const governanceEvaluation = z.object({
  agents: z.number().int().nonnegative(),
  open: z.number().int().nonnegative(),
  opened: z.number().int().nonnegative(),
  resolved: z.number().int().nonnegative(),
});
