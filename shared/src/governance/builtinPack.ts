import { parseGovernanceYaml, type CompiledGovernanceRule } from './rules';

/**
 * The built-in governance pack: common controls every installation gets. A person's rule with the
 * same id (`aegis governance apply -f`) replaces one. `controls` map each rule to SOC 2 / GDPR /
 * HIPAA control families as guidance for reviewers, not as a certification.
 */
export const BUILTIN_GOVERNANCE_YAML = `# Aegis built-in governance pack
kind: GovernanceRule
id: pii-needs-approval
description: "{{tool}} touches personal data without human approval"
severity: high
scope: tool
when: "('pii' in tool.tags || 'pii' in tool.dataCategories) && tool.permission == 'ALLOW'"
explanation: >-
  {{agent}} may call {{tool}}, which handles personal data, with no person in the loop. A prompt
  injection or a model mistake could read or change customers' personal data at machine speed,
  and nobody would see it before it happened.
remediation: Make {{tool}} REVIEW in the agent's policy, or narrow the ALLOW with a condition.
controls: { soc2: [CC6.1, CC6.3], gdpr: [Art. 5(1)(f), Art. 32], hipaa: [164.312(a)(1)] }
---
kind: GovernanceRule
id: destructive-needs-review
description: "{{tool}} is destructive and runs without review"
severity: critical
scope: tool
when: "'destructive' in tool.tags && tool.permission == 'ALLOW'"
explanation: >-
  {{tool}} deletes or overwrites data and {{agent}} may run it on its own. One wrong tool call
  cannot be undone, and the audit trail would only tell you afterwards.
remediation: Set {{tool}} to REVIEW or BLOCK for {{agent}}.
controls: { soc2: [CC8.1, A1.2], gdpr: [Art. 32], hipaa: [164.312(c)(1)] }
---
kind: GovernanceRule
id: credentials-not-allowed
description: "{{tool}} handles credentials and is allowed without review"
severity: high
scope: tool
when: "'credentials' in tool.tags && tool.permission == 'ALLOW'"
explanation: >-
  {{agent}} can use {{tool}}, which reads or uses secrets, without a person approving it. Leaked
  credentials let an attacker act as the bank well beyond this agent.
remediation: Put {{tool}} behind REVIEW, or remove it from {{agent}}.
controls: { soc2: [CC6.1, CC6.7], hipaa: [164.312(d)] }
---
kind: GovernanceRule
id: pii-external-egress
description: "{{tool}} can send personal data outside"
severity: critical
scope: tool
when: "('pii' in tool.tags || 'pii' in tool.dataCategories || 'pii' in tool.dataSeen) && 'external' in tool.tags && tool.permission != 'BLOCK'"
explanation: >-
  {{tool}} both handles personal data and sends it beyond the bank, and {{agent}}'s policy does not
  block it. Even with a reviewer, one approved call can put customers' data outside: a breach that
  must be reported.
remediation: Block {{tool}} for {{agent}}, or split it so personal data never leaves.
controls: { soc2: [CC6.7, C1.1], gdpr: [Art. 44, Art. 33], hipaa: [164.312(e)(1)] }
---
kind: GovernanceRule
id: pii-and-external
description: Agent may read personal data and reach outside on its own
severity: high
when: >-
  manifest.tools.exists(t, ('pii' in t.tags || 'pii' in t.dataCategories || 'pii' in t.dataSeen) && t.permission == 'ALLOW')
  && manifest.tools.exists(t, 'external' in t.tags && t.permission == 'ALLOW')
explanation: >-
  {{agent}} may both read personal data and contact the outside world without a person in between,
  so a single injected instruction could exfiltrate what it reads.
remediation: Require REVIEW on either the personal-data tools or the external ones.
controls: { soc2: [CC6.7], gdpr: [Art. 25, Art. 32], hipaa: [164.312(e)(1)] }
---
kind: GovernanceRule
id: dangerous-tool-attempted
description: "Agent tried {{tool}}, a dangerous tool its policy blocks"
severity: high
scope: tool
when: >-
  ('destructive' in tool.tags || 'credentials' in tool.tags || 'external' in tool.tags || 'pii' in tool.tags)
  && 'BLOCKED' in tool.byStatus && tool.permission == 'BLOCK'
explanation: >-
  {{agent}} holds {{tool}} and tried to use it; the policy stopped it this time. An agent that
  reaches for dangerous tools outside its task is one policy mistake away from using them.
remediation: Remove {{tool}} from {{agent}}'s tool list (least privilege) and look at why it tried.
controls: { soc2: [CC6.3, CC7.2], gdpr: [Art. 25], hipaa: [164.308(a)(1)(ii)(D)] }
---
kind: GovernanceRule
id: owner-required
description: Agent has no owner
severity: medium
when: "manifest.agent.owner == ''"
explanation: >-
  Nobody is named as responsible for {{agent}}: approvals, incidents and access reviews have no one
  to go to.
remediation: Register {{agent}} with an owner (and a team).
controls: { soc2: [CC1.3, CC2.1], gdpr: [Art. 24], hipaa: [164.308(a)(2)] }
---
kind: GovernanceRule
id: undeclared-tools
description: Agent called tools it never declared
severity: medium
when: "size(manifest.drift.undeclaredCalled) > 0"
explanation: >-
  {{agent}} called tools that are not in its declaration, so its manifest understates what it can
  do and reviews of it are based on an incomplete picture.
remediation: Declare the tools (tags, data categories) or remove them from the agent.
controls: { soc2: [CC8.1, CC3.4], gdpr: [Art. 30] }
---
kind: GovernanceRule
id: pii-seen-undeclared
description: "Personal data seen in {{tool}}, which does not declare it"
severity: medium
scope: tool
when: "'pii' in tool.dataSeen && !('pii' in tool.tags) && !('pii' in tool.dataCategories)"
explanation: >-
  Aegis's DLP found personal data flowing through {{tool}}, but the tool does not say it handles
  any, so rules about personal data do not cover it.
remediation: Tag {{tool}} with pii (or the data category) so the rules see it.
controls: { gdpr: [Art. 30, Art. 35], hipaa: [164.308(a)(1)(ii)(A)] }
---
kind: GovernanceRule
id: unused-permission
description: "{{tool}} is allowed but unused for 30 days"
severity: low
scope: tool
when: "tool.name in manifest.drift.allowedUnused"
explanation: >-
  {{agent}} is allowed to call {{tool}} but has not in the last 30 days: a standing permission
  nobody needs is attack surface for nothing.
remediation: Remove the ALLOW for {{tool}} (it will go to REVIEW if ever needed).
controls: { soc2: [CC6.2, CC6.3], gdpr: [Art. 25], hipaa: [164.308(a)(4)] }
`;

let compiled: CompiledGovernanceRule[] | null = null;

/** The pack, parsed and checked once per process. */
export function builtinGovernanceRules(): CompiledGovernanceRule[] {
  if (!compiled) {
    const parsed = parseGovernanceYaml(BUILTIN_GOVERNANCE_YAML);
    if (!parsed.ok) throw new Error(`built-in governance pack: ${JSON.stringify(parsed.problems)}`);
    compiled = parsed.rules;
  }
  return compiled;
}

/** Built-ins with people's rules over them (same id replaces). */
export function effectiveGovernanceRules(
  custom: readonly CompiledGovernanceRule[],
): CompiledGovernanceRule[] {
  const ids = new Set(custom.map((r) => r.rule.id));
  return [...builtinGovernanceRules().filter((r) => !ids.has(r.rule.id)), ...custom];
}
