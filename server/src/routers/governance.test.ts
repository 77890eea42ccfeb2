import * as CDX from '@cyclonedx/cyclonedx-library';
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// Manifests from registrations and observed traffic, CycloneDX output, and governance violations
// stored, resolved, acknowledged and expiring — through the routers, on the embedded store.
let t: TestContext;
const SSN = '123-45-6789';
const admin = () => t.as(principals.admin);

beforeAll(async () => {
  t = await createTestContext();
  await admin().sdk.registerAgent({
    name: 'loans',
    owner: 'lending@bank.example',
    team: 'lending',
    labels: { tier: 'prod' },
    model: 'gemini-2.5-flash',
    provider: 'google',
    framework: 'langgraph',
    frameworkVersion: '1.7.0',
    allows: ['check_score', 'lookup_balance', 'verify_identity'],
    blocks: ['delete_records'],
    tools: [
      {
        name: 'check_score',
        tags: ['financial'],
        argsSchema: { type: 'object', properties: { id: { type: 'number' } } },
      },
      { name: 'verify_identity', tags: ['pii'] },
      { name: 'delete_records', tags: ['destructive'] },
      { name: 'export_list', tags: ['pii', 'external'] },
    ],
  });
  await admin().sdk.registerAgent({ name: 'helper', owner: '', tools: [{ name: 'check_score' }] });
  // Registered two months ago: old enough for "allowed but unused for 30 days" to mean something.
  await t.store.connection
    .collection('agents')
    .updateOne({ name: 'loans' }, { $set: { createdAt: new Date(Date.now() - 60 * 86_400_000) } });
  const run = 'run-1';
  await admin().sdk.decide({ agent: 'loans', action: 'check_score', args: { id: 1 }, runId: run });
  await admin().sdk.decide({ agent: 'loans', action: 'check_score', args: { id: 2 } });
  await admin().sdk.decide({ agent: 'loans', action: 'delete_records', args: { id: 1 } });
  // never declared, and DLP sees an SSN in it; no rule: REVIEW, and a reviewer denies it
  const review = await admin().sdk.decide({
    agent: 'loans',
    action: 'pull_ssn',
    args: { ssn: SSN },
  });
  await t
    .as(principals.reviewer)
    .approvals.decide({ id: review.approvalId ?? 0, decision: 'DENIED' });
  await admin().sdk.decide({ agent: 'helper', action: 'check_score', args: { id: 3 }, runId: run });
});
afterAll(() => t.dispose());

describe('manifests', () => {
  it('join the declaration with observed calls, DLP, permissions, approvals and dependencies', async () => {
    const m = await t.as(principals.viewer).manifests.get({ agent: 'loans' });
    expect(m.agent).toMatchObject({
      owner: 'lending@bank.example',
      team: 'lending',
      labels: { tier: 'prod' },
      model: 'gemini-2.5-flash',
      frameworkVersion: '1.7.0',
    });
    const tool = (name: string) => m.tools.find((x) => x.name === name);
    expect(tool('check_score')).toMatchObject({
      declared: true,
      calls: 2,
      permission: 'ALLOW',
      byStatus: { ALLOWED: 2 },
      argsSchema: { type: 'object' },
    });
    expect(tool('delete_records')).toMatchObject({ permission: 'BLOCK', byStatus: { BLOCKED: 1 } });
    expect(tool('pull_ssn')).toMatchObject({
      declared: false,
      permission: 'REVIEW',
      dataSeen: ['pii'],
    });
    expect(m.dataCategories.seen).toEqual(['pii']);
    expect(m.approvals).toMatchObject({ total: 1, denied: 1, deciders: ['rita-reviewer'] });
    expect(m.dependencies).toEqual(
      expect.arrayContaining([
        { agent: 'helper', via: 'shared-tool', detail: ['check_score'] },
        { agent: 'helper', via: 'same-run', detail: ['run-1'] },
      ]),
    );
  });

  it('make drift explicit: called but undeclared, declared but unused, allowed but unused', async () => {
    const { drift } = await t.as(principals.viewer).manifests.get({ agent: 'loans' });
    expect(drift.undeclaredCalled).toEqual(['pull_ssn']);
    expect(drift.declaredUnused).toEqual(['export_list', 'verify_identity']);
    expect(drift.allowedUnused).toEqual(['lookup_balance', 'verify_identity']);
  });

  it('tools the SDK learns from wrapped tools merge with the explicit declaration', async () => {
    await t.as(principals.agent('loans')).manifests.declareTools({
      agent: 'loans',
      tools: [
        { name: 'pull_ssn', description: 'Reads an SSN', tags: ['pii'] },
        { name: 'check_score', description: 'Scores credit', tags: [] },
      ],
    });
    const m = await t.as(principals.viewer).manifests.get({ agent: 'loans' });
    expect(m.drift.undeclaredCalled).toEqual([]);
    expect(m.tools.find((x) => x.name === 'check_score')).toMatchObject({
      tags: ['financial'],
      description: 'Scores credit',
    });
    const refused = await t
      .as(principals.agent('helper'))
      .manifests.declareTools({ agent: 'loans', tools: [{ name: 'x' }] })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('export as CycloneDX 1.6 that validates against its JSON Schema', async () => {
    const out = await t
      .as(principals.viewer)
      .manifests.export({ agent: 'loans', format: 'cyclonedx' });
    expect(out.fileName).toBe('loans.cdx.json');
    const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
    expect(await validator.validate(out.content)).toBeNull();
    const bom = JSON.parse(out.content) as {
      specVersion: string;
      services: Array<{ name: string; properties: Array<{ name: string; value: string }> }>;
      components: Array<{ type: string; name: string }>;
    };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.components).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'machine-learning-model', name: 'gemini-2.5-flash' }),
      ]),
    );
    const del = bom.services.find((s) => s.name === 'delete_records');
    expect(del?.properties).toEqual(
      expect.arrayContaining([
        { name: 'aegis:tag', value: 'destructive' },
        { name: 'aegis:permission', value: 'BLOCK' },
      ]),
    );
    // the validator does refuse what is not CycloneDX
    expect(
      await validator.validate(out.content.replace('"machine-learning-model"', '"robot"')),
    ).not.toBeNull();
    const json = await t.as(principals.viewer).manifests.export({ agent: 'loans', format: 'yaml' });
    expect(json.content).toContain('manifestVersion: aegis.agent_manifest/v1');
  });

  it('an unknown agent is 404, not a 500', async () => {
    await expect(t.as(principals.viewer).manifests.get({ agent: 'nobody' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('governance violations', () => {
  const open = async () => (await t.as(principals.viewer).governance.violations({})).violations;
  const keys = async () => (await open()).map((v) => `${v.ruleId}:${v.agent}:${v.tool ?? ''}`);

  it('evaluation stores violations by severity, with a plain-language explanation', async () => {
    // It reads what agents did from the rollups' all-time facts, never the log itself: at
    // millions of entries a pass over the log took longer than the ten minutes between runs.
    const read: string[] = [];
    const client = t.store.connection.getClient();
    const started = (e: CommandStartedEvent) => {
      const c = e.command as Record<string, unknown>;
      if ([c.find, c.aggregate, c.count, c.distinct].includes('audit_log'))
        read.push(e.commandName);
    };
    client.on('commandStarted', started);
    try {
      await admin().governance.evaluate({});
    } finally {
      client.off('commandStarted', started);
    }
    expect(read).toEqual([]);
    const found = await keys();
    expect(found).toEqual(
      expect.arrayContaining([
        'pii-external-egress:loans:export_list',
        'pii-needs-approval:loans:verify_identity',
        'dangerous-tool-attempted:loans:delete_records',
        'owner-required:helper:',
        'unused-permission:loans:lookup_balance',
      ]),
    );
    const list = await open();
    expect(list[0]?.severity).toBe('critical');
    const egress = list.find((v) => v.ruleId === 'pii-external-egress');
    expect(egress).toMatchObject({
      explanationSource: 'template',
      status: 'OPEN',
      acknowledged: false,
    });
    expect(egress?.explanation).toContain('export_list');
    const { counts } = await t.as(principals.viewer).governance.violations({});
    expect(counts.critical).toBeGreaterThan(0);
  });

  it('a violation resolves when its cause goes away, and reopens with its first-seen kept', async () => {
    const before = (await open()).find((v) => v.ruleId === 'pii-needs-approval');
    await admin().policies.set({ agent: 'loans', action: 'verify_identity', rule: 'REVIEW' });
    await admin().governance.evaluate({ agents: ['loans'] });
    expect(await keys()).not.toContain('pii-needs-approval:loans:verify_identity');
    const resolved = await t
      .as(principals.viewer)
      .governance.violations({ status: 'RESOLVED', ruleId: 'pii-needs-approval' });
    expect(resolved.violations[0]).toMatchObject({ status: 'RESOLVED', agent: 'loans' });
    await admin().policies.set({ agent: 'loans', action: 'verify_identity', rule: 'ALLOW' });
    await admin().governance.evaluate({ agents: ['loans'] });
    const again = (await open()).find((v) => v.ruleId === 'pii-needs-approval');
    expect(again?.firstSeen).toBe(before?.firstSeen);
  });

  it('acknowledgement needs a reviewer and a reason, and stops counting until it expires', async () => {
    const target = (await open()).find((v) => v.ruleId === 'owner-required');
    if (!target) throw new Error('owner-required should be open');
    const viewerTry = await t
      .as(principals.viewer)
      .governance.acknowledge({ key: target.key, reason: 'x' })
      .catch((e: unknown) => e);
    expect(viewerTry).toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      t.as(principals.reviewer).governance.acknowledge({ key: target.key, reason: '  ' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      t.as(principals.reviewer).governance.acknowledge({ key: 'nope', reason: 'ok' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const countBefore = (await t.as(principals.viewer).governance.violations({})).counts.medium;
    const acked = await t
      .as(principals.reviewer)
      .governance.acknowledge({ key: target.key, reason: 'helper is a sandbox', expiresInDays: 7 });
    expect(acked).toMatchObject({
      acknowledged: true,
      ack: { by: 'rita-reviewer', reason: 'helper is a sandbox' },
    });
    expect((await t.as(principals.viewer).governance.violations({})).counts.medium).toBe(
      countBefore - 1,
    );
    // in the audit trail: who accepted which risk, why and until when
    const noted = (await t.as(principals.viewer).audit.list({ limit: 50 })).entries.filter(
      (e) => e.action === 'aegis:violation-ack',
    );
    expect(noted).toEqual([
      expect.objectContaining({
        status: 'POLICY',
        source: 'person',
        actor: 'rita-reviewer',
        agent: target.agent,
      }),
    ]);
    expect(noted[0]!.details).toContain('for 7 days: helper is a sandbox');
    // still acknowledged after a re-evaluation
    await admin().governance.evaluate({});
    expect((await open()).find((v) => v.key === target.key)?.acknowledged).toBe(true);

    // the acknowledgement runs out: it counts again
    await t.store.connection
      .collection('governance_violations')
      .updateOne({ key: target.key }, { $set: { 'ack.expiresAt': new Date(Date.now() - 1000) } });
    const expired = (await open()).find((v) => v.key === target.key);
    expect(expired).toMatchObject({ acknowledged: false, ack: { reason: 'helper is a sandbox' } });
    expect((await t.as(principals.viewer).governance.violations({})).counts.medium).toBe(
      countBefore,
    );
  });

  it('people apply YAML rules; problems come back with their line, nothing stored', async () => {
    const bad = await admin().governance.applyRules({
      yaml: 'kind: GovernanceRule\nid: x\ndescription: d\nseverity: low\nwhen: "manifest.nope(("',
    });
    expect(bad).toMatchObject({ ok: false, applied: [] });
    expect(bad.problems[0]?.line).toBe(1);
    const denied = await t
      .as(principals.reviewer)
      .governance.applyRules({ yaml: 'x' })
      .catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: 'FORBIDDEN' });

    const yaml = [
      'kind: GovernanceRule',
      'id: prod-needs-team',
      'description: Production agent without a team',
      'severity: high',
      `when: "has(manifest.agent.labels.tier) && manifest.agent.labels.tier == 'prod' && manifest.agent.team != 'lending'"`,
    ].join('\n');
    const ruleChanges = async () =>
      (await t.as(principals.viewer).audit.list({ limit: 50 })).entries.filter(
        (e) => e.action === 'aegis:governance-rules',
      );
    // A dry run and a refused document change nothing, so they record nothing.
    await admin().governance.applyRules({ yaml, dryRun: true });
    expect(await ruleChanges()).toEqual([]);
    expect(await admin().governance.applyRules({ yaml })).toEqual({
      ok: true,
      problems: [],
      applied: ['prod-needs-team'],
    });
    expect(await ruleChanges()).toEqual([
      expect.objectContaining({ status: 'POLICY', source: 'person', agent: '' }),
    ]);
    expect((await ruleChanges())[0]!.details).toContain('prod-needs-team');
    const rules = await t.as(principals.viewer).governance.rules();
    expect(rules.find((r) => r.rule.id === 'prod-needs-team')?.source).toBe('custom');
    expect(await keys()).not.toContain('prod-needs-team:loans:');
    await admin().sdk.registerAgent({
      name: 'loans',
      owner: 'lending@bank.example',
      team: 'credit',
      labels: { tier: 'prod' },
    });
    await admin().governance.evaluate({ agents: ['loans'] });
    expect(await keys()).toContain('prod-needs-team:loans:');
  });
});
