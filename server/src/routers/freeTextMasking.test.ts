import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { violationsOf } from '../../test/helpers/auditReads';

// From an attack review: text an agent or a person writes itself — a report's details, a
// local-mode record's details, the agent's and its tools' descriptions, a reviewer's comment —
// reached every viewer raw, and the hash-chained log too, where it can never be scrubbed.
// (123-45-6789 is an advertised SSN, no one's: DLP leaves it alone, so a real-shaped one is used.)
const CARD = '4111 1111 1111 1111';
const SSN = '536-22-8154';
const RAW = [CARD, CARD.replace(/ /g, ''), SSN, SSN.replace(/-/g, '')];
const MASKED_CARD = '************1111';
const MASKED_SSN = '***-**-8154';

let t: TestContext;
const BOT = 'TextBot';
const bot = principals.agent(BOT);
const viewer = () => t.as(principals.viewer);

/** The raw values found in what a viewer reads (or anything else serialisable). */
const rawIn = (value: unknown) => RAW.filter((raw) => JSON.stringify(value).includes(raw));

/** Every document of every collection, as stored: the values may be nowhere. */
async function rawInStore(): Promise<string[]> {
  await t.settle();
  const db = t.store.connection.db;
  if (!db) throw new Error('no database');
  const found: string[] = [];
  for (const { name } of await db.listCollections().toArray()) {
    const docs = await db.collection(name).find({}).toArray();
    for (const raw of rawIn(docs)) found.push(`${name}: ${raw}`);
  }
  return found;
}

let n = 0;
const nextKey = () => `text-${++n}-xxxxxxxx`;

beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({
    name: BOT,
    description: `serves ${CARD}`,
    allows: ['lookup'],
    review: ['wire'],
    tools: [{ name: 'lookup', description: `looks up ${SSN}` }],
  });
});
afterAll(() => t.dispose());

describe('free text an agent or a person supplies is stored masked', () => {
  it("sdk.log: the report's details", async () => {
    const entry = await t.as(bot).sdk.log({
      agent: BOT,
      action: 'lookup',
      status: 'BLOCKED',
      details: `seed log: card ${CARD} ssn ${SSN}`,
    });
    expect(entry.details).toBe(`seed log: card ${MASKED_CARD} ssn ${MASKED_SSN}`);
    const { entries } = await viewer().audit.list({ agent: BOT, limit: 50 });
    expect(rawIn(entries)).toEqual([]);
    expect(JSON.stringify(entries)).toContain(MASKED_SSN);
  });

  it("sdk.recordBatch: a local-mode record's details, also when they are only a card number", async () => {
    const { policyVersion } = await t
      .as(bot)
      .sdk.decide({ agent: BOT, action: 'lookup', args: {} });
    const record = (details: string) => ({
      entryKey: nextKey(),
      agent: BOT,
      action: 'lookup',
      status: 'BLOCKED' as const,
      details,
      callId: `text-call-${n}`,
      args: {},
      decidedAt: new Date().toISOString(),
      policyVersion,
    });
    const split = CARD.replace(/ /g, '\u200b');
    const result = await t.as(bot).sdk.recordBatch({
      entries: [record(`local: card ${CARD}`), record(CARD), record(`zero-width ${split}`)],
    });
    expect(result.stored).toBe(3);
    const { entries } = await viewer().audit.list({ agent: BOT, limit: 50 });
    const details = entries.map((e) => e.details);
    expect(details).toEqual(
      expect.arrayContaining([
        `local: card ${MASKED_CARD}`,
        MASKED_CARD,
        `zero-width ${MASKED_CARD}`,
      ]),
    );
    expect(details.some((d) => d.includes(split))).toBe(false);
  });

  it('a refused local-mode record: the VIOLATION alert quotes its details masked', async () => {
    const { policyVersion, rule } = await t
      .as(bot)
      .sdk.decide({ agent: BOT, action: 'lookup', args: {} });
    const refused = await t
      .as(bot)
      .sdk.recordBatch({
        entries: [
          {
            entryKey: nextKey(),
            agent: BOT,
            action: 'lookup',
            status: 'ALLOWED',
            details: `Approved by rita (approval #19) for card ${CARD}`,
            callId: `text-call-${n}`,
            args: {},
            decidedAt: new Date().toISOString(),
            policyVersion,
            ...(rule ? { rule } : {}),
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CONFLICT' });
    const alerts = await violationsOf(t, BOT);
    expect(alerts.some((a) => a.details.includes('names an approval'))).toBe(true);
    expect(rawIn(alerts)).toEqual([]);
  });

  it("the agent's description and its tools' descriptions", async () => {
    const manifest = await viewer().manifests.get({ agent: BOT });
    expect(rawIn(manifest)).toEqual([]);
    expect(JSON.stringify(manifest)).toContain(`serves ${MASKED_CARD}`);
    expect(JSON.stringify(manifest)).toContain(`looks up ${MASKED_SSN}`);
    const page = await viewer().agents.byName({ name: BOT });
    expect(rawIn(page)).toEqual([]);
    // Registering the same text again changes nothing: masking is idempotent.
    const again = await t.as(bot).sdk.registerAgent({
      name: BOT,
      description: `serves ${CARD}`,
      allows: ['lookup'],
      review: ['wire'],
      tools: [{ name: 'lookup', description: `looks up ${SSN}` }],
    });
    expect(again).toMatchObject({ changed: false });
  });

  it("values inside a tool's argument schema (a default, examples, an enum)", async () => {
    // A zod `.default(process.env.X)` or `examples` put real values in the JSON Schema.
    const declare = () =>
      t.as(bot).sdk.registerAgent({
        name: BOT,
        description: `serves ${CARD}`,
        allows: ['lookup'],
        review: ['wire'],
        tools: [
          { name: 'lookup', description: `looks up ${SSN}` },
          {
            name: 'charge',
            argsSchema: {
              type: 'object',
              properties: {
                card: { type: 'string', default: CARD, examples: [CARD.replace(/ /g, '')] },
                ssn: { type: 'string', enum: [SSN], description: `e.g. ${SSN}` },
              },
            },
          },
        ],
      });
    await declare();
    const manifest = await viewer().manifests.get({ agent: BOT });
    expect(rawIn(manifest)).toEqual([]);
    const charge = manifest.tools.find((tool) => tool.name === 'charge');
    expect(JSON.stringify(charge?.argsSchema)).toContain(MASKED_CARD);
    expect(JSON.stringify(charge?.argsSchema)).toContain(MASKED_SSN);
    // Declaring the same schema again changes nothing: masking is idempotent.
    expect(await declare()).toMatchObject({ changed: false });
  });

  it("a reviewer's comment, on the approval and in the decision's audit entry", async () => {
    const held = await t.as(bot).sdk.decide({ agent: BOT, action: 'wire', args: { memo: 'x' } });
    const id = held.approvalId;
    if (id === null) throw new Error('wire should be held for review');
    const decided = await t
      .as(principals.reviewer)
      .approvals.decide({ id, decision: 'DENIED', comment: `customer ssn ${SSN}` });
    expect(decided.comment).toBe(`customer ssn ${MASKED_SSN}`);
    expect(rawIn(await viewer().approvals.byId({ id }))).toEqual([]);
    const { entries } = await viewer().audit.list({ agent: BOT, status: ['DENIED'], limit: 10 });
    expect(entries[0]?.details).toContain(`customer ssn ${MASKED_SSN}`);
  });

  it("a kill-switch reason (an agent key may pause its own agent), in the entry's details and params", async () => {
    await t.as(bot).agents.setStatus({ name: BOT, status: 'PAUSED', reason: `leaked ${CARD}` });
    await t.as(principals.admin).agents.setStatus({ name: BOT, status: 'ACTIVE' });
    const { entries } = await viewer().audit.list({ agent: BOT, status: ['PAUSED'], limit: 10 });
    expect(entries[0]?.details).toContain(`leaked ${MASKED_CARD}`);
    expect(rawIn(entries)).toEqual([]);
  });

  it("a governance acknowledgement's reason", async () => {
    await t.as(principals.admin).governance.evaluate({ agents: [BOT] });
    const { violations } = await viewer().governance.violations({ agent: BOT });
    const target = violations[0];
    if (!target) throw new Error(`${BOT} should have a governance violation (no owner)`);
    const acked = await t
      .as(principals.reviewer)
      .governance.acknowledge({ key: target.key, reason: `ticket for ${SSN}` });
    expect(acked.ack?.reason).toBe(`ticket for ${MASKED_SSN}`);
    const { entries } = await viewer().audit.list({ limit: 20 });
    expect(rawIn(entries)).toEqual([]);
  });

  it("a policy version's message", async () => {
    await t.as(principals.admin).policies.applyRules({
      yaml: `kind: AgentPolicy\nagent: ${BOT}\nrules:\n  - id: reads\n    actions: [lookup]\n    effect: ALLOW\n`,
      message: `for customer ${SSN}`,
    });
    const history = await viewer().policies.history({ agent: BOT });
    expect(rawIn(history)).toEqual([]);
    expect(JSON.stringify(history)).toContain(`for customer ${MASKED_SSN}`);
  });

  it("a held result's preview an older client sent unmasked", async () => {
    const agent = 'ResultBot';
    const resultBot = principals.agent(agent);
    await t.as(resultBot).sdk.registerAgent({ name: agent, allows: ['fetch'] });
    await t.as(principals.admin).policies.applyRules({
      yaml: [
        'kind: AgentPolicy',
        `agent: ${agent}`,
        'rules:',
        '  - id: hold-cards',
        '    on: result',
        '    actions: [fetch]',
        "    when: dlp.foundIn('result', 'card')",
        '    effect: REVIEW',
        '',
      ].join('\n'),
    });
    const { callId } = await t.as(resultBot).sdk.decide({ agent, action: 'fetch', args: {} });
    const held = await t.as(resultBot).sdk.result({
      agent,
      action: 'fetch',
      callId,
      findings: [{ detector: 'card', path: '/card', count: 1, confidence: 0.99 }],
      preview: JSON.stringify({ card: CARD }),
    });
    if (held.approvalId === null) throw new Error('the result should be held for review');
    const approval = await viewer().approvals.byId({ id: held.approvalId });
    expect(approval.resultPreview).toBe(JSON.stringify({ card: MASKED_CARD }));
    // the rule that holds it is named, as a call's approval names the rule that asked
    expect(approval.rule).toBe('hold-cards');
  });

  it('nothing stored holds a raw value, and the hash chain still verifies', async () => {
    expect(await rawInStore()).toEqual([]);
    expect(await t.as(principals.admin).audit.verify()).toMatchObject({ ok: true });
  });
});
