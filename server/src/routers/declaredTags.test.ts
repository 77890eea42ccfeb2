import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// Tags an agent declared for its tools (its manifest) are what rules read on every call of the
// tool: a call can't shed them, and the agent's key can't quietly take them back.
const RULES = `
kind: AgentPolicy
agent: bot2
rules:
  - id: no-destructive
    actions: ["*"]
    when: '"destructive" in tool.tags'
    effect: BLOCK
  - id: pii-then-out
    actions: [send_email]
    when: session.touched('pii')
    effect: BLOCK
  - id: rest
    actions: ["*"]
    effect: ALLOW
`;

let t: TestContext;
const bot = principals.agent('bot2');
const admin = () => t.as(principals.admin);
const decide = (action: string, tool?: { tags: string[] }, extra: Record<string, unknown> = {}) =>
  t.as(bot).sdk.decide({ agent: 'bot2', action, ...(tool ? { tool } : {}), ...extra });
const toolOf = async (name: string) =>
  (await t.as(principals.viewer).manifests.get({ agent: 'bot2' })).tools.find(
    (x) => x.name === name,
  );
const manifestEntries = async () =>
  (await t.as(principals.viewer).audit.list({ agent: 'bot2', action: 'aegis:manifest', limit: 50 }))
    .entries;

beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({
    name: 'bot2',
    tools: [
      { name: 'drop_table', tags: ['destructive'] },
      { name: 'read_customer', tags: ['pii'], dataCategories: ['pii', 'financial'] },
      { name: 'read_rows' },
    ],
  });
  const applied = await admin().policies.applyRules({ yaml: RULES });
  expect(applied.ok).toBe(true);
});
afterAll(() => t.dispose());

describe('declared tool tags', () => {
  it('count on every call of the tool, whatever tags the call sends', async () => {
    for (const tool of [{ tags: ['destructive'] }, undefined, { tags: [] }, { tags: ['other'] }]) {
      const decision = await decide('drop_table', tool);
      expect(decision, JSON.stringify(tool)).toMatchObject({
        verdict: 'BLOCKED',
        rule: { id: 'no-destructive' },
      });
    }
    expect(await decide('read_rows')).toMatchObject({ verdict: 'ALLOWED' });
    // the manifest and the decisions agree
    expect(await toolOf('drop_table')).toMatchObject({
      permission: 'BLOCK',
      rule: 'no-destructive',
    });
  });

  it("are the call's tags on record, so session facts see a declared tag the call left out", async () => {
    const runId = 'run-declared-pii';
    expect(await decide('read_customer', undefined, { runId })).toMatchObject({
      verdict: 'ALLOWED',
    });
    expect(await decide('send_email', undefined, { runId })).toMatchObject({
      verdict: 'BLOCKED',
      rule: { id: 'pii-then-out' },
    });
  });

  it('reach local mode in its snapshot', async () => {
    const { agents } = await t.as(bot).sdk.snapshot({ agents: ['bot2'] });
    expect(agents[0]!.rules?.toolTags).toEqual({
      drop_table: ['destructive'],
      read_customer: ['pii'],
    });
  });

  it('check local-mode records: an ALLOWED drop_table without its tag is refused', async () => {
    const { version } = await admin().policies.forAgent({ agent: 'bot2' });
    const entry = {
      entryKey: `declared-${'x'.repeat(8)}`,
      agent: 'bot2',
      action: 'drop_table',
      status: 'ALLOWED' as const,
      details: 'allowed locally',
      callId: 'local-drop-1',
      args: {},
      decidedAt: new Date().toISOString(),
      policyVersion: version,
      rule: { id: 'rest', scope: 'agent' as const, version },
      tool: { tags: [] },
    };
    await expect(
      t.as(bot).sdk.recordBatch({ entries: [entry], outcomes: [] }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("can't be removed by the agent's key: refused with a notice, nothing changes", async () => {
    const before = await manifestEntries();
    const { version } = await admin().policies.forAgent({ agent: 'bot2' });
    const result = await t.as(bot).sdk.registerAgent({
      name: 'bot2',
      tools: [{ name: 'drop_table', tags: [] }],
    });
    expect(result.notice).toMatch(/Tags not removed: drop_table: destructive/);
    expect((await toolOf('drop_table'))?.tags).toEqual(['destructive']);
    expect(await decide('drop_table')).toMatchObject({ verdict: 'BLOCKED' });
    expect((await admin().policies.forAgent({ agent: 'bot2' })).version).toBe(version);
    expect(await manifestEntries()).toHaveLength(before.length);
    // wrapTools' declarations only ever add tags
    await t
      .as(bot)
      .manifests.declareTools({ agent: 'bot2', tools: [{ name: 'drop_table', tags: [] }] });
    expect((await toolOf('drop_table'))?.tags).toEqual(['destructive']);
  });

  it('nor can its data categories (governance rules read them), nor overflow the tag limit', async () => {
    const result = await t.as(bot).sdk.registerAgent({
      name: 'bot2',
      tools: [{ name: 'read_customer', tags: ['pii'], dataCategories: ['financial'] }],
    });
    expect(result.notice).toMatch(/read_customer data categories: pii/);
    expect((await toolOf('read_customer'))?.dataCategories).toEqual(['financial', 'pii']);
    // 32 new tags plus the kept one would be 33: refused as a whole, with what to do
    const many = Array.from({ length: 32 }, (_, i) => `t${i}`);
    await expect(
      t.as(bot).sdk.registerAgent({ name: 'bot2', tools: [{ name: 'drop_table', tags: many }] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/drop_table/) });
    expect((await toolOf('drop_table'))?.tags).toEqual(['destructive']);
    // a person's key may remove them
    await admin().sdk.registerAgent({
      name: 'bot2',
      tools: [{ name: 'read_customer', tags: ['pii'], dataCategories: ['financial'] }],
    });
    expect((await toolOf('read_customer'))?.dataCategories).toEqual(['financial']);
  });

  it('added by the agent take effect at once: audited, and a new policy version', async () => {
    const { version } = await admin().policies.forAgent({ agent: 'bot2' });
    expect(await decide('read_rows')).toMatchObject({ verdict: 'ALLOWED' });
    const result = await t.as(bot).sdk.registerAgent({
      name: 'bot2',
      tools: [{ name: 'read_rows', tags: ['destructive'] }],
    });
    expect(result.notice).toBeNull();
    expect(await decide('read_rows')).toMatchObject({
      verdict: 'BLOCKED',
      rule: { id: 'no-destructive' },
    });
    expect((await admin().policies.forAgent({ agent: 'bot2' })).version).toBe(version + 1);
    const [latest] = await manifestEntries();
    expect(latest).toMatchObject({ status: 'POLICY', source: 'agent', actor: bot.name });
    expect(latest!.details).toContain('read_rows tags: none → destructive');
  });

  it('are changed by an admin directly, on record', async () => {
    await admin().sdk.registerAgent({ name: 'bot2', tools: [{ name: 'read_rows', tags: [] }] });
    expect(await decide('read_rows')).toMatchObject({ verdict: 'ALLOWED' });
    const [latest] = await manifestEntries();
    expect(latest).toMatchObject({ status: 'POLICY', source: 'person' });
    expect(latest!.details).toContain('read_rows tags: destructive → none');
  });
});
