import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { foldGraph, MAX_CALL_EDGES } from '../services/graph';
import type { GraphGroup } from '../data/repos/graph.repo';

let t: TestContext;
const CARD = '4111 1111 1111 1111';
beforeAll(async () => {
  t = await createTestContext();
  const admin = t.as(principals.admin);
  await admin.sdk.registerAgent({
    name: 'Teller',
    allows: ['read_balance', 'notify'],
    blocks: ['wire'],
    review: ['refund'],
  });
  await admin.sdk.registerAgent({ name: 'Auditor', allows: ['read_balance'] });
  await admin.sdk.registerAgent({ name: 'Idle', allows: ['read_balance'] });
  await admin.agents.setStatus({ name: 'Idle', status: 'PAUSED' });
  await admin.sdk.decide({ agent: 'Teller', action: 'read_balance' });
  await admin.sdk.decide({ agent: 'Teller', action: 'read_balance' });
  await admin.sdk.decide({ agent: 'Teller', action: 'wire' });
  await admin.sdk.decide({
    agent: 'Teller',
    action: 'notify',
    args: { text: `card ${CARD}` },
    tool: { tags: ['external'] },
  });
  // Reviewed, approved and re-decided: one call (its PENDING), not two.
  const held = await admin.sdk.decide({ agent: 'Teller', action: 'refund', args: { amount: 5 } });
  await admin.approvals.decide({ id: held.approvalId!, decision: 'APPROVED' });
  expect(
    (await admin.sdk.decide({ agent: 'Teller', action: 'refund', args: { amount: 5 } })).verdict,
  ).toBe('ALLOWED');
  await admin.sdk.decide({ agent: 'Auditor', action: 'read_balance' });
  await admin.sdk.decide({ agent: 'Idle', action: 'read_balance' });
});
afterAll(() => t.dispose());

describe('graph router', () => {
  it('links agents to the tools they called, weighted by calls and split by verdict', async () => {
    const g = await t.as(principals.viewer).graph.get({ range: '1h' });
    expect(g.calls).toEqual(
      expect.arrayContaining([
        {
          agent: 'Teller',
          tool: 'read_balance',
          calls: 2,
          allowed: 2,
          blocked: 0,
          review: 0,
          killed: 0,
        },
        { agent: 'Teller', tool: 'wire', calls: 1, allowed: 0, blocked: 1, review: 0, killed: 0 },
        { agent: 'Teller', tool: 'refund', calls: 1, allowed: 0, blocked: 0, review: 1, killed: 0 },
        {
          agent: 'Auditor',
          tool: 'read_balance',
          calls: 1,
          allowed: 1,
          blocked: 0,
          review: 0,
          killed: 0,
        },
        {
          agent: 'Idle',
          tool: 'read_balance',
          calls: 1,
          allowed: 0,
          blocked: 0,
          review: 0,
          killed: 1,
        },
      ]),
    );
    expect(g.calls).toHaveLength(6);
    expect(g.agents.map((a) => [a.name, a.calls, a.status])).toEqual([
      ['Teller', 5, 'ACTIVE'],
      ['Auditor', 1, 'ACTIVE'],
      ['Idle', 1, 'PAUSED'],
    ]);
    expect(g.tools.find((x) => x.name === 'read_balance')).toMatchObject({
      calls: 4,
      agents: ['Auditor', 'Idle', 'Teller'],
    });
    expect(g.truncated).toBe(false);
  });

  it('hangs the data a tool carried on it: DLP detectors and declared tags', async () => {
    const g = await t.as(principals.viewer).graph.get({});
    expect(g.carries).toEqual(
      expect.arrayContaining([
        { tool: 'notify', tag: 'card', kind: 'detector', calls: 1 },
        { tool: 'notify', tag: 'external', kind: 'tag', calls: 1 },
      ]),
    );
    expect(g.carries).toHaveLength(2);
    expect(g.tags.map((x) => x.name).sort()).toEqual(['card', 'external']);
  });

  it('answers a window with no traffic with an empty graph', async () => {
    const day = 86_400_000;
    const g = await t.as(principals.viewer).graph.get({
      from: new Date(Date.now() - 3 * day).toISOString(),
      to: new Date(Date.now() - 2 * day).toISOString(),
    });
    expect(g).toMatchObject({ agents: [], tools: [], tags: [], calls: [], carries: [] });
  });

  it('is for people who may read; a backwards window is a clear 400', async () => {
    const agentKey = await t
      .as(principals.agent('Teller'))
      .graph.get({})
      .catch((e: unknown) => e);
    expect(agentKey).toMatchObject({ code: 'FORBIDDEN' });
    const backwards = await t
      .as(principals.viewer)
      .graph.get({ from: new Date().toISOString(), to: new Date(Date.now() - 1000).toISOString() })
      .catch((e: unknown) => e);
    expect(backwards).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(backwards)).toContain('must be before');
    const preset = await t
      .as(principals.viewer)
      .graph.get({ range: '2h' as '1h' })
      .catch((e: unknown) => e);
    expect(preset).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('foldGraph', () => {
  it('keeps the busiest edges and says so when it drops some', () => {
    const groups: GraphGroup[] = Array.from({ length: MAX_CALL_EDGES + 5 }, (_, i) => ({
      agent: `a${i % 7}`,
      action: `tool${i}`,
      status: 'ALLOWED',
      detectors: [],
      tags: [],
      n: i + 1,
    }));
    const g = foldGraph(groups, () => 'ACTIVE', { from: 0, to: 1 });
    expect(g.calls).toHaveLength(MAX_CALL_EDGES);
    expect(g.truncated).toBe(true);
    expect(g.calls[0]).toMatchObject({
      tool: `tool${MAX_CALL_EDGES + 4}`,
      calls: MAX_CALL_EDGES + 5,
    });
    expect(g.tools.map((x) => x.name)).not.toContain('tool0');
  });
});
