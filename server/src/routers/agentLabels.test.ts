import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

/** Agent labels: declared at registration, selected on by global rules, read by conditions. */
const GLOBAL = `
kind: GlobalPolicy
rules:
  - id: payments-review
    agents: [{ labels: { team: payments } }]
    actions: [transfer_funds]
    effect: REVIEW
  - id: prod-no-export
    agents: [{ labels: { tier: prod } }]
    actions: [export_data]
    effect: BLOCK
  - id: transfers
    actions: [transfer_funds]
    effect: ALLOW
  - id: prod-large
    actions: [refund]
    when: agent.labels['tier'] == 'prod' && args.amount > 100.0
    effect: REVIEW
  - id: refunds
    actions: [refund]
    effect: ALLOW
`;

let t: TestContext;
const decide = (agent: string, action: string, args: Record<string, unknown> = {}) =>
  t.as(principals.agent(agent)).sdk.decide({ agent, action, args });

beforeAll(async () => {
  t = await createTestContext();
  const applied = await t
    .as(principals.admin)
    .policies.applyRules({ yaml: GLOBAL, message: 'label rules' });
  expect(applied.problems).toEqual([]);
});
afterAll(() => t.dispose());

describe('agent labels', () => {
  it('are declared at registration and shown with the agent', async () => {
    const res = await t
      .as(principals.agent('PayBot'))
      .sdk.registerAgent({ name: 'PayBot', labels: { team: 'payments', tier: 'prod' } });
    expect(res.agent.labels).toEqual({ team: 'payments', tier: 'prod' });
    expect((await t.as(principals.viewer).agents.byName({ name: 'PayBot' })).agent.labels).toEqual({
      team: 'payments',
      tier: 'prod',
    });
    // Unlabelled agents have none.
    await t.as(principals.agent('PlainBot')).sdk.registerAgent({ name: 'PlainBot' });
    expect(
      (await t.as(principals.viewer).agents.byName({ name: 'PlainBot' })).agent.labels,
    ).toEqual({});
  });

  it('select global rules: the labelled agent is held or blocked, another is not', async () => {
    expect(await decide('PayBot', 'transfer_funds', { amount: 5 })).toMatchObject({
      verdict: 'REVIEW',
      rule: { id: 'payments-review', scope: 'global' },
    });
    expect(await decide('PlainBot', 'transfer_funds', { amount: 5 })).toMatchObject({
      verdict: 'ALLOWED',
      rule: { id: 'transfers' },
    });
    expect(await decide('PayBot', 'export_data')).toMatchObject({
      verdict: 'BLOCKED',
      rule: { id: 'prod-no-export' },
    });
    expect(await decide('PlainBot', 'export_data')).toMatchObject({
      verdict: 'REVIEW',
      rule: { id: 'default' },
    });
  });

  it('are read by conditions as agent.labels', async () => {
    const prod = await decide('PayBot', 'refund', { amount: 500 });
    expect(prod).toMatchObject({ verdict: 'REVIEW', rule: { id: 'prod-large' } });
    expect(prod.reason).not.toContain('could not be evaluated');
    await t
      .as(principals.agent('DevBot'))
      .sdk.registerAgent({ name: 'DevBot', labels: { tier: 'dev' } });
    expect(await decide('DevBot', 'refund', { amount: 500 })).toMatchObject({
      verdict: 'ALLOWED',
      rule: { id: 'refunds' },
    });
    // A missing label is a failed lookup: the rule fails closed (REVIEW), it never allows silently.
    const plain = await decide('PlainBot', 'refund', { amount: 500 });
    expect(plain).toMatchObject({ verdict: 'REVIEW', rule: { id: 'prod-large' } });
    expect(plain.reason).toContain('could not be evaluated');
  });

  it("an agent's code can't relabel itself once it has made calls; an admin can, as a new policy version", async () => {
    const agentKey = t.as(principals.agent('PayBot'));
    const before = (await t.as(principals.viewer).agents.byName({ name: 'PayBot' })).policy;
    const refused = await agentKey.sdk.registerAgent({
      name: 'PayBot',
      labels: { team: 'sandbox' },
    });
    expect(refused.changed).toBe(false);
    expect(refused.notice).toContain('Labels not changed');
    expect(refused.agent.labels).toEqual({ team: 'payments', tier: 'prod' });
    expect(await decide('PayBot', 'transfer_funds', { amount: 5 })).toMatchObject({
      rule: { id: 'payments-review' },
    });

    const relabelled = await t
      .as(principals.admin)
      .sdk.registerAgent({ name: 'PayBot', labels: { team: 'sandbox' } });
    expect(relabelled).toMatchObject({
      changed: true,
      notice: null,
      agent: { labels: { team: 'sandbox' } },
    });
    expect(relabelled.policy.version).toBe(before.version + 1);
    expect(await decide('PayBot', 'transfer_funds', { amount: 5 })).toMatchObject({
      verdict: 'ALLOWED',
      rule: { id: 'transfers' },
    });
    const { entries } = await t
      .as(principals.viewer)
      .audit.list({ agent: 'PayBot', status: ['POLICY'], limit: 5 });
    expect(entries[0]?.details).toContain('labels: team=payments, tier=prod → team=sandbox');
  });

  it('omitted labels keep the current ones; the same labels change nothing', async () => {
    const admin = t.as(principals.admin).sdk;
    expect((await admin.registerAgent({ name: 'PayBot' })).agent.labels).toEqual({
      team: 'sandbox',
    });
    expect(
      (await admin.registerAgent({ name: 'PayBot', labels: { team: 'sandbox' } })).changed,
    ).toBe(false);
  });

  it('refuses malformed labels with a clear input error', async () => {
    const bad = t
      .as(principals.agent('Odd'))
      .sdk.registerAgent({ name: 'Odd', labels: { 'no spaces': 'x' } });
    await expect(bad).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']));
    await expect(
      t.as(principals.agent('Odd')).sdk.registerAgent({ name: 'Odd', labels: many }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
