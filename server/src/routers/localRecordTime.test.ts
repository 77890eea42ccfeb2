import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KILL_GRACE_MAX_RECORDS } from '../services/reports';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { entriesOfCall, violationsOf } from '../../test/helpers/auditReads';

/**
 * Review 7: a local-mode record's date is the agent's word. Records dated back past a time
 * rule's cutoff or into a kill's grace, and shipped long after, are refused as such; honest late
 * records (a batch, a spool replayed after an outage) whose verdict the time didn't change are not.
 */
let t: TestContext;
const MIN = 60_000;
let n = 0;

function record(agent: string, action: string, at: number, version: number, rule: string) {
  const i = ++n;
  return {
    entryKey: `time-${i}-${'x'.repeat(8)}`,
    agent,
    action,
    status: 'ALLOWED' as const,
    details: 'allowed locally',
    callId: `time-call-${i}`,
    args: {},
    decidedAt: new Date(at).toISOString(),
    policyVersion: version,
    rule: { id: rule, scope: 'agent' as const, version },
  };
}
const stored = (agent: string, callId: string) => entriesOfCall(t, agent, callId);
const violations = (agent: string) => violationsOf(t, agent);

beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.dispose());

describe('a local-mode record judged by a rule that reads the time', () => {
  const bot = principals.agent('ShiftBot');
  const cutoff = Date.now() - 10 * MIN; // lookups ended ten minutes ago
  const recent = Date.now() - 20_000; // reports ended twenty seconds ago
  let version = 0;
  const ship = (action: string, at: number, rule = 'working-hours') =>
    t.as(bot).sdk.recordBatch({ entries: [record('ShiftBot', action, at, version, rule)] });

  beforeAll(async () => {
    await t.as(bot).sdk.registerAgent({ name: 'ShiftBot', allows: [] });
    const yaml = `
kind: AgentPolicy
agent: ShiftBot
rules:
  - id: working-hours
    actions: [lookup, report, browse]
    effect: ALLOW
  - id: lookups-end
    actions: [lookup]
    when: now > timestamp('${new Date(cutoff).toISOString()}')
    effect: BLOCK
  - id: reports-end
    actions: [report]
    when: now > timestamp('${new Date(recent).toISOString()}')
    effect: BLOCK
`;
    await t.as(principals.admin).policies.applyRules({ yaml });
    version = (await t.as(principals.admin).policies.forAgent({ agent: 'ShiftBot' })).version;
    // the policy has been in force for an hour, so records from before the cutoff can exist
    await t.store.connection
      .collection('policy_versions')
      .updateMany({ agent: 'ShiftBot' }, { $set: { at: new Date(Date.now() - 60 * MIN) } });
  });

  it('strict mode blocks the call after the cutoff', async () => {
    const strict = await t.as(bot).sdk.decide({ agent: 'ShiftBot', action: 'lookup', args: {} });
    expect(strict.verdict).toBe('BLOCKED');
  });

  it('a call made now but dated back before the cutoff is refused and flagged', async () => {
    const before = (await violations('ShiftBot')).length;
    const r = record('ShiftBot', 'lookup', cutoff - 3_000, version, 'working-hours');
    await expect(t.as(bot).sdk.recordBatch({ entries: [r] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('no longer allowed it (a rule reads the time)'),
    });
    expect(await stored('ShiftBot', r.callId)).toEqual([]);
    expect(await violations('ShiftBot')).toHaveLength(before + 1);
  });

  it('a record shipped within the late-report window is judged at its date', async () => {
    const res = await ship('report', recent - 10_000);
    expect(res.stored).toBe(1);
  });

  it('a late record the time does not change the verdict of is taken (a spool replay)', async () => {
    const res = await ship('browse', Date.now() - 30 * MIN);
    expect(res.stored).toBe(1);
  });
});

describe("a local-mode record dated inside a kill's grace", () => {
  /** Pauses the agent and answers when the kill was recorded (ms), moved `ago` ms back. */
  async function kill(agent: string, ago = 0): Promise<number> {
    await t.as(principals.reviewer).agents.setStatus({ name: agent, status: 'PAUSED' });
    const at = new Date(Date.now() - ago);
    if (ago > 0)
      await t.store.connection
        .collection('audit_log')
        .updateOne({ agent, status: 'PAUSED' }, { $set: { timestamp: at } });
    const paused = await t
      .as(principals.viewer)
      .audit.list({ agent, status: ['PAUSED'], limit: 1 });
    return new Date(paused.entries[0]!.timestamp).getTime();
  }
  const versionOf = async (agent: string) =>
    (await t.as(principals.admin).policies.forAgent({ agent })).version;

  it('is refused when it is reported long after the kill, like one dated before it', async () => {
    const bot = principals.agent('LateGraceBot');
    await t.as(bot).sdk.registerAgent({ name: 'LateGraceBot', allows: ['fetch'] });
    const version = await versionOf('LateGraceBot');
    await t.store.connection
      .collection('policy_versions')
      .updateMany({ agent: 'LateGraceBot' }, { $set: { at: new Date(Date.now() - 60 * MIN) } });
    const killedAt = await kill('LateGraceBot', 5 * MIN);
    const r = record('LateGraceBot', 'fetch', killedAt + 500, version, 'seed-allowed');
    await expect(t.as(bot).sdk.recordBatch({ entries: [r] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(
        /ms after the kill-switch paused .* but reported \d+ s after it/,
      ),
    });
    expect(await stored('LateGraceBot', r.callId)).toEqual([]);
  });

  it(`takes at most ${KILL_GRACE_MAX_RECORDS} of them for one kill`, async () => {
    const bot = principals.agent('BurstGraceBot');
    await t.as(bot).sdk.registerAgent({ name: 'BurstGraceBot', allows: ['fetch'] });
    const version = await versionOf('BurstGraceBot');
    const killedAt = await kill('BurstGraceBot');
    const inGrace = (i: number) =>
      record('BurstGraceBot', 'fetch', killedAt + i, version, 'seed-allowed');
    const honest = Array.from({ length: KILL_GRACE_MAX_RECORDS }, (_, i) => inGrace(i * 10));
    expect((await t.as(bot).sdk.recordBatch({ entries: honest })).stored).toBe(
      KILL_GRACE_MAX_RECORDS,
    );
    const more = inGrace(1_500);
    await expect(t.as(bot).sdk.recordBatch({ entries: [more] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining(`more than ${KILL_GRACE_MAX_RECORDS} records`),
    });
    expect(await stored('BurstGraceBot', more.callId)).toEqual([]);
  });
});
