import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  const admin = t.as(principals.admin);
  await admin.sdk.registerAgent({
    name: 'SupportBot',
    owner: 'alice',
    allows: ['lookup_balance'],
    blocks: ['delete_records'],
  });
  await admin.sdk.registerAgent({ name: 'QuietBot' });
  await admin.sdk.decide({
    agent: 'SupportBot',
    action: 'lookup_balance',
    args: { customer_id: 1 },
  });
  await admin.sdk.decide({
    agent: 'SupportBot',
    action: 'lookup_balance',
    args: { customer_id: 2 },
  });
  await admin.sdk.decide({ agent: 'SupportBot', action: 'delete_records', args: {} });
});
afterAll(() => t.dispose());

describe('agents router', () => {
  it('lists agents with the seed computed fields', async () => {
    const agents = await t.as(principals.viewer).agents.list();
    const support = agents.find((a) => a.name === 'SupportBot')!;
    expect(support.id).toMatch(/^AGT-[0-9a-f]{8}$/);
    expect(support.totalLogs).toBe(3);
    expect(support.allowedCount).toBe(2);
    expect(support.blockedCount).toBe(1);
    expect(support.riskScore).toBe(33.3);
    expect(support.counts.BLOCKED).toBe(1);
    expect(support.counts.PENDING).toBe(0);
    expect(support.lastActivityAt).not.toBeNull();
    const quiet = agents.find((a) => a.name === 'QuietBot')!;
    expect(quiet).toMatchObject({
      totalLogs: 0,
      riskScore: 0,
      lastActivityAt: null,
      status: 'ACTIVE',
    });
  });

  it('gets one agent with its policy and the tools it used', async () => {
    const res = await t.as(principals.viewer).agents.byName({ name: 'SupportBot' });
    expect(res.agent.owner).toBe('alice');
    expect(res.policy).toMatchObject({
      allowed: ['lookup_balance'],
      blocked: ['delete_records'],
      review: [],
    });
    expect(res.toolsUsed[0]).toMatchObject({ action: 'lookup_balance', count: 2, effect: 'ALLOW' });
    // Lists alone: the dashboard's reading is the seed's, with nothing conditional.
    expect(res.policyView).toEqual({ ...res.policy, conditional: [] });
  });

  it('reads the policy for the dashboard: effects without conditions, the conditions beside them', async () => {
    const admin = t.as(principals.admin);
    await admin.sdk.registerAgent({
      name: 'MailBot',
      allows: ['send_notification', 'lookup_balance', 'purge_cache'],
    });
    await admin.sdk.decide({ agent: 'MailBot', action: 'send_notification', args: { to: 'a' } });
    await admin.sdk.decide({ agent: 'MailBot', action: 'never_named', args: {} });
    await admin.policies.applyRules({
      message: 'mail rules',
      yaml: `kind: GlobalPolicy
rules:
  - id: card-out
    actions: [send_notification]
    when: dlp.found('card')
    effect: BLOCK
  - id: no-purges
    actions: ["purge_*"]
    effect: BLOCK
  - id: purge-exception
    actions: [purge_cache]
    when: args.size() == 0
    effect: ALLOW
`,
    });
    const res = await t.as(principals.viewer).agents.byName({ name: 'MailBot' });
    // The seed's shape folds an action a condition may decide into review (its clients ask)…
    expect(res.policy.review).toContain('send_notification');
    // …the dashboard's reading keeps it where it normally goes, naming the rule that may change it.
    expect(res.policyView.allowed).toEqual(['lookup_balance', 'send_notification']);
    expect(res.policyView.review).not.toContain('send_notification');
    // A global BLOCK that no condition can outrank stays a plain BLOCK: nothing is marked.
    expect(res.policyView.blocked).toEqual(['purge_cache']);
    expect(res.policyView.conditional).toEqual([{ action: 'send_notification', rules: ['card-out'] }]);
    const used = new Map(res.toolsUsed.map((u) => [u.action, u]));
    expect(used.get('send_notification')).toMatchObject({ effect: 'ALLOW', conditional: ['card-out'] });
    // A tool the policy never names reads as the default (REVIEW), unmarked.
    expect(used.get('never_named')).toMatchObject({ effect: 'REVIEW', conditional: [] });
  });

  it('answers NOT_FOUND for an unknown agent', async () => {
    await expect(t.as(principals.viewer).agents.byName({ name: 'Nobody' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      t.as(principals.reviewer).agents.setStatus({ name: 'Nobody', status: 'PAUSED' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('flips the kill-switch, which the next decision obeys', async () => {
    const reviewer = t.as(principals.reviewer);
    expect((await reviewer.agents.setStatus({ name: 'QuietBot', status: 'PAUSED' })).status).toBe(
      'PAUSED',
    );
    const d = await t
      .as(principals.agent('QuietBot'))
      .sdk.decide({ agent: 'QuietBot', action: 'anything' });
    expect(d.verdict).toBe('KILLED');
    expect((await reviewer.agents.setStatus({ name: 'QuietBot', status: 'ACTIVE' })).status).toBe(
      'ACTIVE',
    );
  });

  it('rejects an invalid status as BAD_REQUEST naming the field', async () => {
    const err = await t
      .as(principals.reviewer)
      // @ts-expect-error deliberately invalid enum value
      .agents.setStatus({ name: 'QuietBot', status: 'ASLEEP' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String((err as Error).message)).toContain('status');
  });

  it('needs the right role', async () => {
    await expect(t.as(null).agents.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(
      t.as(principals.viewer).agents.setStatus({ name: 'QuietBot', status: 'PAUSED' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(t.as(principals.agent('QuietBot')).agents.list()).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
