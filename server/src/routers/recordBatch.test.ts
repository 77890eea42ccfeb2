import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@aegis/shared';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

// sdk.recordBatch with outcomes: local mode's records and how their calls ended, in batches.
let t: TestContext;
const bot = principals.agent('LocalBot');
const other = principals.agent('OtherBot');
beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({ name: 'LocalBot', allows: ['fetch'], blocks: ['drop'] });
  await t.as(other).sdk.registerAgent({ name: 'OtherBot', allows: ['fetch'] });
});
afterAll(() => t.dispose());

let n = 0;
/** A local-mode record of an allowed call, as the SDK ships it. */
function record(agent = 'LocalBot', extra: Record<string, unknown> = {}) {
  const i = ++n;
  const policyVersion = typeof extra.policyVersion === 'number' ? extra.policyVersion : 1;
  return {
    entryKey: `key-${i}-${'x'.repeat(8)}`,
    agent,
    action: 'fetch',
    status: 'ALLOWED' as const,
    details: "Policy allows 'fetch'",
    callId: `local-call-${i}`,
    args: { page: i },
    decidedAt: new Date().toISOString(),
    policyVersion,
    rule: { id: 'seed-allowed', scope: 'agent' as const, version: policyVersion },
    ...extra,
  };
}

async function entriesOf(agent: string, callId: string): Promise<AuditEntry[]> {
  const page = await t.as(principals.viewer).audit.list({ agent, limit: 200 });
  return page.entries.filter((e) => e.callId === callId).sort((a, b) => a.id - b.id);
}

async function countAll(): Promise<number> {
  return t.store.connection.collection('audit_log').countDocuments();
}

/** What a reader of the audit log sees of a call, without ids, times and hashes. */
const shape = (entries: AuditEntry[]) =>
  entries.map(
    ({ status, details, outcome, durationMs, argsPreview, action, agent, approvalId }) => ({
      status,
      details,
      outcome,
      durationMs,
      argsPreview,
      action,
      agent,
      approvalId,
    }),
  );

describe('sdk.recordBatch with outcomes', () => {
  it('stores a record with its outcome in one entry', async () => {
    const r = { ...record(), outcome: 'ok' as const, durationMs: 12.5 };
    const res = await t.as(bot).sdk.recordBatch({ entries: [r] });
    expect(res).toEqual({ stored: 1, duplicates: 0, outcomes: 0, outcomeDuplicates: 0 });
    const [entry, ...rest] = await entriesOf('LocalBot', r.callId);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ status: 'ALLOWED', outcome: 'ok', durationMs: 12.5 });
  });

  it('an error outcome leaves the same audit entries as strict mode', async () => {
    const strict = await t
      .as(bot)
      .sdk.decide({ agent: 'LocalBot', action: 'fetch', args: { page: 'same' } });
    await t
      .as(bot)
      .sdk.complete({ callId: strict.callId, outcome: 'error', durationMs: 7, error: 'boom' });
    const local = {
      ...record('LocalBot', { args: { page: 'same' }, details: strict.reason }),
      outcome: 'error' as const,
      durationMs: 7,
      error: 'boom',
    };
    await t.as(bot).sdk.recordBatch({ entries: [local] });
    const strictEntries = await entriesOf('LocalBot', strict.callId);
    const localEntries = await entriesOf('LocalBot', local.callId);
    expect(shape(strictEntries).map((e) => e.status)).toEqual(['ALLOWED', 'ERROR']);
    expect(shape(localEntries)).toEqual(shape(strictEntries));
    expect(localEntries[1]!.details).toBe('Tool failed: boom');
  });

  it("a tool's error text is stored masked, in strict and local mode alike: the log keeps no values", async () => {
    const raw =
      'DB auth failed for key AKIAIOSFODNN7EXAMPLE; customer SSN 536-22-8154 card 4111 1111 1111 1111';
    const strict = await t
      .as(bot)
      .sdk.decide({ agent: 'LocalBot', action: 'fetch', args: { page: 'leaky' } });
    await t
      .as(bot)
      .sdk.complete({ callId: strict.callId, outcome: 'error', durationMs: 2, error: raw });
    const local = { ...record(), outcome: 'error' as const, durationMs: 2, error: raw };
    await t.as(bot).sdk.recordBatch({ entries: [local] });
    for (const callId of [strict.callId, local.callId]) {
      const failed = (await entriesOf('LocalBot', callId)).find((e) => e.status === 'ERROR')!;
      expect(failed.details).toBe(
        'Tool failed: DB auth failed for key [REDACTED:aws_access_key]; customer SSN ***-**-8154 card ************1111',
      );
    }
  });

  it('a batch replayed twice is stored once, its ERROR entry included', async () => {
    const batch = {
      entries: [
        { ...record(), outcome: 'error' as const, durationMs: 3, error: 'timeout' },
        { ...record(), outcome: 'ok' as const, durationMs: 1 },
        record('LocalBot', { action: 'drop', status: 'BLOCKED', details: 'blocked' }),
      ],
    };
    expect(await t.as(bot).sdk.recordBatch(batch)).toMatchObject({ stored: 3, duplicates: 0 });
    const before = await countAll();
    expect(await t.as(bot).sdk.recordBatch(batch)).toEqual({
      stored: 0,
      duplicates: 3,
      outcomes: 0,
      outcomeDuplicates: 2,
    });
    expect(await countAll()).toBe(before);
    const failed = await entriesOf('LocalBot', batch.entries[0]!.callId);
    expect(failed.map((e) => e.status)).toEqual(['ALLOWED', 'ERROR']);
  });

  it('an outcome shipped after its record is applied once; a second one changes nothing', async () => {
    const r = record();
    await t.as(bot).sdk.recordBatch({ entries: [r] });
    expect((await entriesOf('LocalBot', r.callId))[0]!.outcome).toBeNull();

    const late = {
      entryKey: r.entryKey,
      outcome: 'error' as const,
      durationMs: 900,
      error: 'slow',
    };
    expect(await t.as(bot).sdk.recordBatch({ outcomes: [late] })).toEqual({
      stored: 0,
      duplicates: 0,
      outcomes: 1,
      outcomeDuplicates: 0,
    });
    // The replay, and a contradicting report: neither overwrites nor writes a second ERROR.
    await t.as(bot).sdk.recordBatch({ outcomes: [late] });
    await t.as(bot).sdk.recordBatch({ outcomes: [{ ...late, outcome: 'ok' }] });
    const entries = await entriesOf('LocalBot', r.callId);
    expect(entries.map((e) => [e.status, e.outcome, e.durationMs])).toEqual([
      ['ALLOWED', 'error', 900],
      ['ERROR', null, null],
    ]);
    expect(entries[1]!.details).toBe('Tool failed: slow');
  });

  it('an outcome in the same batch as its record rides on it', async () => {
    const r = record();
    const res = await t.as(bot).sdk.recordBatch({
      entries: [r],
      outcomes: [{ entryKey: r.entryKey, outcome: 'ok', durationMs: 4 }],
    });
    expect(res).toEqual({ stored: 1, duplicates: 0, outcomes: 1, outcomeDuplicates: 0 });
    expect((await entriesOf('LocalBot', r.callId))[0]).toMatchObject({
      outcome: 'ok',
      durationMs: 4,
    });
  });

  it('a stored error outcome missing its ERROR entry gets it on the replay, once', async () => {
    // The state a batch leaves when the outcome was written and the ERROR insert was not.
    const r = record();
    await t.as(bot).sdk.recordBatch({ entries: [r] });
    await t.store.connection
      .collection('audit_log')
      .updateOne({ entryKey: r.entryKey }, { $set: { outcome: 'error', durationMs: 5 } });
    const late = { entryKey: r.entryKey, outcome: 'error' as const, durationMs: 5, error: 'x' };
    await t.as(bot).sdk.recordBatch({ outcomes: [late] });
    await t.as(bot).sdk.recordBatch({ outcomes: [late] });
    const statuses = (await entriesOf('LocalBot', r.callId)).map((e) => e.status);
    expect(statuses).toEqual(['ALLOWED', 'ERROR']);
  });

  it('a late outcome after strict sdk.complete recorded one writes no second ERROR entry', async () => {
    const r = record();
    await t.as(bot).sdk.recordBatch({ entries: [r] });
    await t.as(bot).sdk.complete({ callId: r.callId, outcome: 'error', durationMs: 2 });
    const res = await t
      .as(bot)
      .sdk.recordBatch({ outcomes: [{ entryKey: r.entryKey, outcome: 'error', durationMs: 2 }] });
    expect(res.outcomeDuplicates).toBe(1);
    const statuses = (await entriesOf('LocalBot', r.callId)).map((e) => e.status);
    expect(statuses).toEqual(['ALLOWED', 'ERROR']);
  });
});

describe('sdk.recordBatch refuses hostile batches whole', () => {
  /** Asserts the batch is refused with `code` and that the audit log did not change. */
  async function refused(as: typeof bot, input: unknown, code: string) {
    const before = await countAll();
    const error = await t
      .as(as)
      .sdk.recordBatch(input as never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect(await countAll()).toBe(before);
  }

  it('an outcome for an unknown entryKey: NOT_FOUND, and the rest of the batch is not stored', async () => {
    const r = record();
    const unknown = { entryKey: 'never-stored-key', outcome: 'ok', durationMs: 1 };
    await refused(bot, { entries: [r], outcomes: [unknown] }, 'NOT_FOUND');
    expect(await entriesOf('LocalBot', r.callId)).toEqual([]);
  });

  it("an outcome for another agent's entry: FORBIDDEN, its outcome untouched", async () => {
    const theirs = record('OtherBot');
    await t.as(other).sdk.recordBatch({ entries: [theirs] });
    const mine = { ...record(), outcome: 'ok', durationMs: 1 };
    const forged = { entryKey: theirs.entryKey, outcome: 'error', durationMs: 1, error: 'x' };
    await refused(bot, { entries: [mine], outcomes: [forged] }, 'FORBIDDEN');
    // …also when the forged outcome rides on a replayed copy of their record.
    await refused(bot, { entries: [{ ...theirs, agent: 'LocalBot', ...forged }] }, 'FORBIDDEN');
    const entries = await entriesOf('OtherBot', theirs.callId);
    expect(entries.map((e) => [e.status, e.outcome])).toEqual([['ALLOWED', null]]);
  });

  it('an outcome for a call that never ran (BLOCKED): BAD_REQUEST', async () => {
    const blocked = record('LocalBot', { action: 'drop', status: 'BLOCKED', details: 'no' });
    await t.as(bot).sdk.recordBatch({ entries: [blocked] });
    const late = { entryKey: blocked.entryKey, outcome: 'ok', durationMs: 1 };
    await refused(bot, { outcomes: [late] }, 'BAD_REQUEST');
    await refused(
      bot,
      { entries: [{ ...record(), status: 'BLOCKED', outcome: 'ok', durationMs: 1 }] },
      'BAD_REQUEST',
    );
  });

  it('malformed and oversize batches: BAD_REQUEST', async () => {
    const stored = record();
    await t.as(bot).sdk.recordBatch({ entries: [stored] });
    const late = { entryKey: stored.entryKey, outcome: 'ok', durationMs: 1 };
    await refused(bot, { entries: [], outcomes: [] }, 'BAD_REQUEST');
    // 1001 items: entries and outcomes count together.
    const many = {
      entries: Array.from({ length: 501 }, () => record()),
      outcomes: Array(500).fill(late),
    };
    await refused(bot, many, 'BAD_REQUEST');
    await refused(bot, { entries: [{ ...record(), outcome: 'ok' }] }, 'BAD_REQUEST');
    await refused(bot, { outcomes: [{ ...late, durationMs: 86_400_001 }] }, 'BAD_REQUEST');
    await refused(bot, { outcomes: [{ ...late, error: 'e'.repeat(2001) }] }, 'BAD_REQUEST');
    // The server's own key for an entry's ERROR line cannot be named by a client.
    await refused(
      bot,
      { outcomes: [{ ...late, entryKey: `${stored.entryKey}:error` }] },
      'BAD_REQUEST',
    );
    expect((await entriesOf('LocalBot', stored.callId))[0]!.outcome).toBeNull();
  });
});

describe('sdk.recordBatch holds a record to the policy version in force when it was decided', () => {
  const stale = principals.agent('StaleBot');
  let v1 = 0;
  let v2 = 0;
  beforeAll(async () => {
    await t.as(stale).sdk.registerAgent({ name: 'StaleBot', allows: ['fetch', 'read'] });
    v1 = (await t.as(principals.admin).policies.forAgent({ agent: 'StaleBot' })).version;
    await t
      .as(principals.admin)
      .policies.set({ agent: 'StaleBot', action: 'fetch', rule: 'BLOCK' });
    v2 = (await t.as(principals.admin).policies.forAgent({ agent: 'StaleBot' })).version;
    expect(v2).toBeGreaterThan(v1);
  });
  /** Moves when version `v` took effect back by `ms`, as if it had been made that long ago. */
  async function madeAgo(v: number, ms: number) {
    await t.store.connection
      .collection('policy_versions')
      .updateOne({ agent: 'StaleBot', version: v }, { $set: { at: new Date(Date.now() - ms) } });
  }
  const staleRecord = (action: string) =>
    record('StaleBot', { action, policyVersion: v1, details: `Policy allows '${action}'` });

  it('a record decided just after the change (the SDK had not heard of it yet) is taken', async () => {
    const r = staleRecord('fetch');
    await t.as(stale).sdk.recordBatch({ entries: [r] });
    expect((await entriesOf('StaleBot', r.callId)).map((e) => e.status)).toEqual(['ALLOWED']);
  });

  it('long after it, an ALLOWED the newer version forbids is refused and flagged', async () => {
    await madeAgo(v2, 10 * 60_000);
    const r = staleRecord('fetch');
    const error = await t
      .as(stale)
      .sdk.recordBatch({ entries: [r] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining(`decided with policy v${v1}, which v${v2} had replaced`),
    });
    expect(await entriesOf('StaleBot', r.callId)).toEqual([]);
    const flagged = await t
      .as(principals.viewer)
      .audit.list({ agent: 'StaleBot', status: ['VIOLATION'], limit: 10 });
    expect(flagged.entries.some((e) => e.details.includes(`v${v2} had replaced`))).toBe(true);
  });

  it("dated before the change but reported long after it: held to today's policy", async () => {
    await madeAgo(v1, 20 * 60_000);
    const r = {
      ...staleRecord('fetch'),
      decidedAt: new Date(Date.now() - 11 * 60_000).toISOString(),
    };
    await expect(t.as(stale).sdk.recordBatch({ entries: [r] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(
        /before policy v\d+ took effect .* but reported \d+ s after it/,
      ),
    });
    const allowed = { ...staleRecord('read'), decidedAt: r.decidedAt };
    await t.as(stale).sdk.recordBatch({ entries: [allowed] });
    expect(await entriesOf('StaleBot', allowed.callId)).toHaveLength(1);
  });

  it('a call both versions allow is taken: the record is true', async () => {
    const r = staleRecord('read');
    await t.as(stale).sdk.recordBatch({ entries: [r] });
    expect((await entriesOf('StaleBot', r.callId)).map((e) => e.status)).toEqual(['ALLOWED']);
  });
});

describe('sdk.recordBatch and the kill-switch', () => {
  const killed = principals.agent('KillBot');
  beforeAll(async () => {
    await t.as(killed).sdk.registerAgent({ name: 'KillBot', allows: ['fetch'] });
  });

  it('a record dated before a kill but reported long after it is refused; after the revive, taken', async () => {
    await t.as(principals.reviewer).agents.setStatus({ name: 'KillBot', status: 'PAUSED' });
    // the kill happened five minutes ago
    await t.store.connection
      .collection('audit_log')
      .updateOne(
        { agent: 'KillBot', status: 'PAUSED' },
        { $set: { timestamp: new Date(Date.now() - 5 * 60_000) } },
      );
    await t.as(principals.reviewer).agents.setStatus({ name: 'KillBot', status: 'ACTIVE' });
    // and its policy is older than both
    await t.store.connection
      .collection('policy_versions')
      .updateMany({ agent: 'KillBot' }, { $set: { at: new Date(Date.now() - 30 * 60_000) } });
    const version = (await t.as(principals.admin).policies.forAgent({ agent: 'KillBot' })).version;
    const backdated = record('KillBot', {
      policyVersion: version,
      decidedAt: new Date(Date.now() - 6 * 60_000).toISOString(),
    });
    await expect(t.as(killed).sdk.recordBatch({ entries: [backdated] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(
        /before the kill-switch paused "KillBot".*reported \d+ s after it/,
      ),
    });
    expect(await entriesOf('KillBot', backdated.callId)).toEqual([]);
    const fresh = record('KillBot', { policyVersion: version });
    await t.as(killed).sdk.recordBatch({ entries: [fresh] });
    expect(await entriesOf('KillBot', fresh.callId)).toHaveLength(1);
  });
});
