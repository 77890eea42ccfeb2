import { describe, expect, it } from 'vitest';
import { agentDeclaration, agentManifest } from '../schemas/manifest';
import { buildManifest, mergeTools, type ManifestInput } from './build';

const now = new Date('2026-06-01T00:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

function input(over: Partial<ManifestInput> = {}): ManifestInput {
  return {
    name: 'loans',
    status: 'ACTIVE',
    createdAt: daysAgo(90),
    policyVersion: 3,
    declaration: agentDeclaration.parse({
      owner: 'lending@bank.example',
      description: 'Underwrites loans',
      framework: 'langgraph',
      tools: [
        { name: 'check_score', tags: ['financial'], dataCategories: ['financial'] },
        { name: 'delete_records', tags: ['destructive'] },
      ],
    }),
    observed: [
      {
        action: 'check_score',
        byStatus: { ALLOWED: 4 },
        firstSeen: daysAgo(10),
        lastSeen: daysAgo(1),
        detectors: [],
      },
      {
        action: 'access_ssn',
        byStatus: { BLOCKED: 1 },
        firstSeen: daysAgo(2),
        lastSeen: daysAgo(2),
        detectors: ['ssn'],
      },
    ],
    permissions: new Map([
      ['check_score', { permission: 'ALLOW' as const, rule: 'seed-allowed' }],
      ['lookup_balance', { permission: 'ALLOW' as const, rule: 'seed-allowed' }],
      ['delete_records', { permission: 'BLOCK' as const, rule: 'seed-blocked' }],
      ['access_ssn', { permission: 'REVIEW' as const, rule: null }],
    ]),
    approvals: { total: 0, approved: 0, denied: 0, expired: 0, pending: 0, deciders: [] },
    dependencies: [],
    now,
    ...over,
  };
}

describe('buildManifest', () => {
  it('joins declared and observed tools and names the drift both ways', () => {
    const m = agentManifest.parse(buildManifest(input()));
    expect(m.tools.map((t) => t.name)).toEqual([
      'access_ssn',
      'check_score',
      'delete_records',
      'lookup_balance',
    ]);
    expect(m.drift.undeclaredCalled).toEqual(['access_ssn']);
    expect(m.drift.declaredUnused).toEqual(['delete_records']);
    // allowed and never called: a permission broader than use
    expect(m.drift.allowedUnused).toEqual(['lookup_balance']);
    const ssn = m.tools.find((t) => t.name === 'access_ssn');
    expect(ssn).toMatchObject({
      declared: false,
      calls: 1,
      dataSeen: ['pii'],
      permission: 'REVIEW',
    });
    expect(m.dataCategories).toEqual({ declared: ['financial'], seen: ['pii'] });
    expect(m.firstSeen).toBe(daysAgo(10).toISOString());
    expect(m.lastSeen).toBe(daysAgo(1).toISOString());
  });

  it('counts an allowed tool last called before the window as unused', () => {
    const m = buildManifest(
      input({
        observed: [
          {
            action: 'check_score',
            byStatus: { ALLOWED: 1 },
            firstSeen: daysAgo(40),
            lastSeen: daysAgo(31),
            detectors: [],
          },
        ],
      }),
    );
    expect(m.drift.allowedUnused).toEqual(['check_score', 'lookup_balance']);
    // An agent younger than the window has not had the time to leave anything unused.
    expect(buildManifest(input({ createdAt: daysAgo(5) })).drift.allowedUnused).toEqual([]);
    expect(buildManifest(input({ unusedWindowDays: 60 })).drift.allowedUnused).toEqual([
      'lookup_balance',
    ]);
  });

  it('a later declaration of a tool replaces the earlier one and keeps the others', () => {
    const merged = mergeTools(
      [
        { name: 'a', v: 1 },
        { name: 'b', v: 1 },
      ],
      [{ name: 'a', v: 2 }],
    );
    expect(merged).toEqual([
      { name: 'a', v: 2 },
      { name: 'b', v: 1 },
    ]);
  });
});
