import { describe, expect, it } from 'vitest';
import {
  agentDeclaration,
  type AgentManifest,
  type ToolDeclarationInput,
} from '../schemas/manifest';
import { buildManifest, type ObservedTool } from '../manifest/build';
import type { Permission } from '../schemas/manifest';
import { builtinGovernanceRules, effectiveGovernanceRules } from './builtinPack';
import { evaluateGovernance, parseGovernanceYaml } from './rules';

const now = new Date('2026-06-01T00:00:00Z');

interface Shape {
  owner?: string;
  tools: Array<
    ToolDeclarationInput & {
      permission: Permission;
      calls?: Record<string, number>;
      seen?: string[];
      declared?: boolean;
    }
  >;
}

function manifest(shape: Shape): AgentManifest {
  const observed: ObservedTool[] = shape.tools
    .filter((t) => t.calls)
    .map((t) => ({
      action: t.name,
      byStatus: t.calls ?? {},
      firstSeen: now,
      lastSeen: now,
      detectors: t.seen ?? [],
    }));
  return buildManifest({
    name: 'agent1',
    status: 'ACTIVE',
    // Registered long before: rules about how the agent behaved over a window can fire.
    createdAt: new Date(now.getTime() - 90 * 86_400_000),
    policyVersion: 1,
    declaration: agentDeclaration.parse({
      owner: shape.owner ?? 'team@bank.example',
      description: '',
      framework: 'langgraph',
      tools: shape.tools
        .filter((t) => t.declared !== false)
        .map(({ name, tags, dataCategories }) => ({ name, tags, dataCategories })),
    }),
    observed,
    permissions: new Map(
      shape.tools.map((t) => [t.name, { permission: t.permission, rule: null }]),
    ),
    approvals: { total: 0, approved: 0, denied: 0, expired: 0, pending: 0, deciders: [] },
    dependencies: [],
    now,
  });
}

const fired = (m: AgentManifest) =>
  evaluateGovernance(builtinGovernanceRules(), m, (id, e) => {
    throw new Error(`${id}: ${e.message}`);
  }).map((f) => `${f.ruleId}${f.tool ? `:${f.tool}` : ''}`);

// For every built-in rule: a manifest that breaks it, and the same agent fixed.
const cases: Array<{ rule: string; firing: Shape; clear: Shape; expect: string }> = [
  {
    rule: 'pii-needs-approval',
    firing: {
      tools: [{ name: 'get_profile', tags: ['pii'], permission: 'ALLOW', calls: { ALLOWED: 1 } }],
    },
    clear: {
      tools: [{ name: 'get_profile', tags: ['pii'], permission: 'REVIEW', calls: { ALLOWED: 1 } }],
    },
    expect: 'pii-needs-approval:get_profile',
  },
  {
    rule: 'destructive-needs-review',
    firing: {
      tools: [{ name: 'drop', tags: ['destructive'], permission: 'ALLOW', calls: { ALLOWED: 1 } }],
    },
    clear: { tools: [{ name: 'drop', tags: ['destructive'], permission: 'BLOCK' }] },
    expect: 'destructive-needs-review:drop',
  },
  {
    rule: 'credentials-not-allowed',
    firing: {
      tools: [
        { name: 'read_vault', tags: ['credentials'], permission: 'ALLOW', calls: { ALLOWED: 1 } },
      ],
    },
    clear: {
      tools: [
        { name: 'read_vault', tags: ['credentials'], permission: 'REVIEW', calls: { ALLOWED: 1 } },
      ],
    },
    expect: 'credentials-not-allowed:read_vault',
  },
  {
    rule: 'pii-external-egress',
    firing: { tools: [{ name: 'export_list', tags: ['pii', 'external'], permission: 'REVIEW' }] },
    clear: { tools: [{ name: 'export_list', tags: ['pii', 'external'], permission: 'BLOCK' }] },
    expect: 'pii-external-egress:export_list',
  },
  {
    rule: 'pii-and-external',
    firing: {
      tools: [
        { name: 'prefs', dataCategories: ['pii'], permission: 'ALLOW', calls: { ALLOWED: 1 } },
        { name: 'email', tags: ['external'], permission: 'ALLOW', calls: { ALLOWED: 1 } },
      ],
    },
    clear: {
      tools: [
        { name: 'prefs', dataCategories: ['pii'], permission: 'REVIEW', calls: { ALLOWED: 1 } },
        { name: 'email', tags: ['external'], permission: 'ALLOW', calls: { ALLOWED: 1 } },
      ],
    },
    expect: 'pii-and-external',
  },
  {
    rule: 'dangerous-tool-attempted',
    firing: {
      tools: [
        {
          name: 'delete_records',
          tags: ['destructive'],
          permission: 'BLOCK',
          calls: { BLOCKED: 2 },
        },
      ],
    },
    clear: { tools: [{ name: 'delete_records', tags: ['destructive'], permission: 'BLOCK' }] },
    expect: 'dangerous-tool-attempted:delete_records',
  },
  {
    rule: 'owner-required',
    firing: { owner: '', tools: [] },
    clear: { owner: 'ops@bank.example', tools: [] },
    expect: 'owner-required',
  },
  {
    rule: 'undeclared-tools',
    firing: {
      tools: [{ name: 'mystery', permission: 'REVIEW', declared: false, calls: { PENDING: 1 } }],
    },
    clear: { tools: [{ name: 'mystery', permission: 'REVIEW', calls: { PENDING: 1 } }] },
    expect: 'undeclared-tools',
  },
  {
    rule: 'pii-seen-undeclared',
    firing: {
      tools: [{ name: 'notes', permission: 'REVIEW', calls: { PENDING: 1 }, seen: ['ssn'] }],
    },
    clear: {
      tools: [
        {
          name: 'notes',
          tags: ['pii'],
          permission: 'REVIEW',
          calls: { PENDING: 1 },
          seen: ['ssn'],
        },
      ],
    },
    expect: 'pii-seen-undeclared:notes',
  },
  {
    rule: 'unused-permission',
    firing: { tools: [{ name: 'balance', permission: 'ALLOW' }] },
    clear: { tools: [{ name: 'balance', permission: 'ALLOW', calls: { ALLOWED: 1 } }] },
    expect: 'unused-permission:balance',
  },
];

describe('built-in governance pack', () => {
  it('has a firing and a clearing case for every rule', () => {
    expect(cases.map((c) => c.rule).sort()).toEqual(
      builtinGovernanceRules()
        .map((r) => r.rule.id)
        .sort(),
    );
  });

  it.each(cases)(
    '$rule fires, and clears when the cause goes away',
    ({ firing, clear, expect: key }) => {
      expect(fired(manifest(firing))).toContain(key);
      expect(fired(manifest(clear))).not.toContain(key);
    },
  );

  it('dangerous-tool-attempted: not for a tool the policy allows whose one call a condition blocked', () => {
    // The demo's Fraud Detection may send notifications; a DLP rule blocked the one carrying a
    // card number. That is the policy working on an allowed tool, not "a dangerous tool its
    // policy blocks" to take away from the agent.
    const dlpBlocked = manifest({
      tools: [
        {
          name: 'send_notification',
          tags: ['external'],
          permission: 'ALLOW',
          calls: { ALLOWED: 3, BLOCKED: 1 },
        },
      ],
    });
    expect(fired(dlpBlocked)).not.toContain('dangerous-tool-attempted:send_notification');
  });

  it('fills the explanation with the agent and tool', () => {
    const [f] = evaluateGovernance(builtinGovernanceRules(), manifest(cases[1]!.firing)).filter(
      (x) => x.ruleId === 'destructive-needs-review',
    );
    expect(f?.explanation).toContain('drop');
    expect(f?.explanation).toContain('agent1');
    expect(f?.severity).toBe('critical');
  });
});

describe('governance YAML', () => {
  it('reports schema, CEL and scope problems with their line', () => {
    const parsed = parseGovernanceYaml(
      [
        'kind: GovernanceRule\nid: ok-rule\ndescription: fine\nseverity: low\nwhen: "true"',
        'kind: GovernanceRule\nid: bad-sev\ndescription: x\nseverity: urgent\nwhen: "true"',
        'kind: GovernanceRule\nid: bad-cel\ndescription: x\nseverity: low\nwhen: "manifest.tools.exists("',
        'kind: GovernanceRule\nid: no-tool\ndescription: x\nseverity: low\nwhen: "tool.calls > 0"',
      ].join('\n---\n'),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('severity'),
      expect.stringContaining('bad-cel'),
      expect.stringContaining('scope: tool'),
    ]);
    expect(parsed.problems.map((p) => p.line)).toEqual([7, 13, 19]);
  });

  it('says a document nested thousands of levels deep nests too deeply', () => {
    const parsed = parseGovernanceYaml(
      `kind: GovernanceRule\nid: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`,
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems[0]!.message).toMatch(/nests too deeply/);
    expect(parsed.problems.map((p) => p.message).join('\n')).not.toMatch(/call stack/);
  });

  it("a person's rule with a built-in id replaces it", () => {
    const parsed = parseGovernanceYaml(
      'kind: GovernanceRule\nid: owner-required\ndescription: stricter\nseverity: critical\nwhen: "manifest.agent.team == \'\'"',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const rules = effectiveGovernanceRules(parsed.rules);
    expect(rules.filter((r) => r.rule.id === 'owner-required').map((r) => r.rule.severity)).toEqual(
      ['critical'],
    );
    expect(fired(manifest({ tools: [] }))).not.toContain('owner-required');
  });
});
