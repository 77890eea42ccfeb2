import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// Approving with edited arguments (the SDK side: sdk/test/editedArgs.test.ts): what the record
// shows, and what the server refuses with a reason a person can act on.

let t: TestContext;
const bot = principals.agent('EditBot', 'QuorumBot');
let n = 0;

async function open(agent = 'EditBot', args: Record<string, unknown> = {}) {
  const d = await t.as(bot).sdk.decide({ agent, action: 'wire', args: { n: ++n, ...args } });
  return { id: d.approvalId!, n };
}

beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'EditBot', allows: ['read'] });
  await t.as(bot).sdk.registerAgent({ name: 'QuorumBot', allows: ['read'] });
  await t.as(principals.admin).policies.applyRules({
    yaml: `
kind: AgentPolicy
agent: QuorumBot
rules:
  - id: two-person-wires
    actions: [wire]
    effect: REVIEW
    approval:
      quorum: 2
`,
  });
});
afterAll(() => t.dispose());

describe('approving with edited arguments', () => {
  it('records which fields changed, found on the real values, and shows everyone masked values only', async () => {
    const { id, n: k } = await open('EditBot', { ssn: '123-45-6789', amount: 50_000, memo: 'Q3' });
    // The same last four digits: masked, the two SSNs look alike, yet the field did change.
    const edited = { n: k, ssn: '987-65-6789', amount: 500, note: 'capped' };
    const decided = await t
      .as(principals.admin)
      .approvals.decide({ id, decision: 'APPROVED', editedArgs: edited });
    expect(decided.editedArgs).toEqual({ n: k, ssn: '***-**-6789', amount: 500, note: 'capped' });
    expect(decided.edits).toEqual([
      { path: '/ssn', change: 'changed' },
      { path: '/amount', change: 'changed' },
      { path: '/memo', change: 'removed' },
      { path: '/note', change: 'added' },
    ]);
    const seen = await t.as(principals.viewer).approvals.byId({ id });
    expect(seen.edits).toEqual(decided.edits);
    expect(JSON.stringify(seen)).not.toContain('987-65');
    const log = await t
      .as(principals.viewer)
      .audit.list({ agent: 'EditBot', status: ['APPROVED'] });
    const entry = log.entries.find((e) => e.approvalId === id)!;
    expect(entry.details).toContain('with edited arguments');
    expect(entry.details).not.toContain('987-65');
  });

  it('masks keys that hold data in the paths of the changes, as findings do', async () => {
    const { id, n: k } = await open('EditBot', { limits: { '4111111111111111': 100 } });
    const decided = await t.as(principals.admin).approvals.decide({
      id,
      decision: 'APPROVED',
      editedArgs: { n: k, limits: { '4111111111111111': 5 } },
    });
    expect(decided.edits).toEqual([{ path: '/limits/************1111', change: 'changed' }]);
  });

  it('refuses them on a quorum approval, before counting a vote: the others approved the call as asked', async () => {
    const { id, n: k } = await open('QuorumBot', { amount: 75_000 });
    await expect(
      t
        .as(principals.admin)
        .approvals.decide({ id, decision: 'APPROVED', editedArgs: { n: k, amount: 1 } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/needs 2 people to approve/),
    });
    const after = await t.as(principals.viewer).approvals.byId({ id });
    expect(after).toMatchObject({ status: 'PENDING', votes: [] });
    expect(after.editedArgs).toBeUndefined();
  });

  it('refuses arguments over AEGIS_MAX_ARGS_BYTES, naming the limit', async () => {
    const { id, n: k } = await open();
    await expect(
      t.as(principals.admin).approvals.decide({
        id,
        decision: 'APPROVED',
        editedArgs: { n: k, blob: 'x'.repeat(70 * 1024) },
      }),
    ).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringMatching(/over the 65536-byte limit \(AEGIS_MAX_ARGS_BYTES\)/),
    });
    expect((await t.as(principals.viewer).approvals.byId({ id })).status).toBe('PENDING');
  });

  it("refuses the call's own arguments (a plain approval), whatever their key order", async () => {
    const { id, n: k } = await open('EditBot', { a: 1, b: 2 });
    await expect(
      t
        .as(principals.admin)
        .approvals.decide({ id, decision: 'APPROVED', editedArgs: { b: 2, a: 1, n: k } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/same as the call's own arguments/),
    });
  });

  it('takes arguments nested as deep as the dashboard lets a reviewer send (63 levels)', async () => {
    const { id, n: k } = await open();
    let deep: unknown = 1;
    for (let i = 0; i < 62; i++) deep = { d: deep };
    const decided = await t.as(principals.admin).approvals.decide({
      id,
      decision: 'APPROVED',
      editedArgs: { n: k, deep },
    });
    expect(decided.edits).toEqual([{ path: '/deep', change: 'added' }]);
  });

  it('refuses a key that cannot be stored, as a call would be', async () => {
    const { id, n: k } = await open();
    await expect(
      t
        .as(principals.admin)
        .approvals.decide({ id, decision: 'APPROVED', editedArgs: { n: k, 'bad\u0000key': 1 } }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
