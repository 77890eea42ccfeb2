import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ACTIONS_PER_AGENT, OTHER_ACTIONS } from '../data/repos/rollupActionCap';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// One agent key reports blocked local-mode calls under ever new made-up names (a review found
// 20,000 of them slowed every agent and made the agent's own page cost seconds): its page, its
// manifest and analytics list at most its cap of names, the rest as one row, every call counted.
let t: TestContext;
const flood = principals.agent('FloodBot');
const EXTRA = 120;
const NAMES = MAX_ACTIONS_PER_AGENT + EXTRA;
/** Calls past the cap: the flood's, less the names left after `fetch`. */
const FOLDED = NAMES - (MAX_ACTIONS_PER_AGENT - 1);

beforeAll(async () => {
  t = await createTestContext();
  await t.as(flood).sdk.registerAgent({ name: 'FloodBot', allows: ['fetch'] });
  // One real call first: its tool takes one of the agent's itemised names.
  const { policyVersion } = await t
    .as(flood)
    .sdk.decide({ agent: 'FloodBot', action: 'fetch', args: {} });
  const entries = Array.from({ length: NAMES }, (_, i) => ({
    entryKey: `flood-key-${i}-xxxxxxxx`,
    agent: 'FloodBot',
    action: `made.up.tool.${'x'.repeat(80)}.${i}`,
    status: 'BLOCKED' as const,
    details: 'local decision',
    callId: `flood-call-${i}`,
    args: {},
    decidedAt: new Date().toISOString(),
    policyVersion,
  }));
  for (let i = 0; i < entries.length; i += 300)
    expect(await t.as(flood).sdk.recordBatch({ entries: entries.slice(i, i + 300) })).toMatchObject(
      { duplicates: 0 },
    );
});
afterAll(() => t.dispose());

describe('an agent reporting more distinct action names than its cap', () => {
  it('its page lists the cap of tools and the rest as one row with their calls', async () => {
    const page = await t.as(principals.viewer).agents.byName({ name: 'FloodBot' });
    expect(page.toolsUsed.length).toBeLessThanOrEqual(MAX_ACTIONS_PER_AGENT + 1);
    expect(page.toolsUsed.find((u) => u.action === OTHER_ACTIONS)?.count).toBe(FOLDED);
    expect(page.toolsUsed.reduce((n, u) => n + u.count, 0)).toBe(NAMES + 1);
  });

  it('its manifest observes at most the cap of tools, never the row of the rest', async () => {
    const manifest = await t.as(principals.viewer).manifests.get({ agent: 'FloodBot' });
    expect(manifest.tools.length).toBeLessThanOrEqual(MAX_ACTIONS_PER_AGENT + 1);
    expect(manifest.tools.some((tool) => tool.name === OTHER_ACTIONS)).toBe(false);
  });

  it('analytics and the Overview chart count every call', async () => {
    const viewer = t.as(principals.viewer);
    const decisions = await viewer.analytics.decisions({ range: '1h', agent: 'FloodBot' });
    expect(decisions.totals.blocked).toBe(NAMES);
    expect(decisions.byAction.find((a) => a.action === OTHER_ACTIONS)?.calls).toBe(FOLDED);
    const chart = await viewer.stats.timeline({ hours: 1 });
    expect(chart.buckets.reduce((n, b) => n + b.blocked, 0)).toBe(NAMES);
    expect(chart.topBlocked).toHaveLength(5);
    expect(chart.topBlocked.every((b) => b.action !== OTHER_ACTIONS)).toBe(true);
  });
});
