import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';

let t: TestContext;
const bot = principals.agent('PayBot');
beforeAll(async () => {
  t = await createTestContext();
  await t.as(bot).sdk.registerAgent({
    name: 'PayBot',
    allows: ['lookup_balance'],
    blocks: ['delete_records'],
    review: ['wire'],
  });
});
afterAll(() => t.dispose());

async function entriesFor(callId: string) {
  const page = await t.as(principals.viewer).audit.list({ agent: 'PayBot', limit: 200 });
  return page.entries.filter((e) => e.callId === callId);
}

describe('sdk.registerAgent', () => {
  it('is idempotent: registering the same policy twice changes nothing', async () => {
    const { sdk } = t.as(principals.agent('Idem'));
    const first = await sdk.registerAgent({ name: 'Idem', allows: ['a'], blocks: ['b'] });
    expect(first.changed).toBe(true);
    const second = await sdk.registerAgent({ name: 'Idem', allows: ['a'], blocks: ['b'] });
    expect(second.changed).toBe(false);
    expect(second.policy).toEqual(first.policy);
    expect(second.agent).toEqual(first.agent);
  });

  it('re-registering replaces rules from code but keeps the kill-switch and reviewer rules', async () => {
    const { sdk } = t.as(principals.agent('Evolving'));
    await sdk.registerAgent({ name: 'Evolving', allows: ['a', 'old'] });
    await t
      .as(principals.admin)
      .policies.set({ agent: 'Evolving', action: 'promoted', rule: 'ALLOW' });
    await t.as(principals.reviewer).agents.setStatus({ name: 'Evolving', status: 'PAUSED' });
    const res = await sdk.registerAgent({ name: 'Evolving', allows: ['a'], blocks: ['x'] });
    expect(res.changed).toBe(true);
    expect(res.policy).toMatchObject({ allowed: ['a', 'promoted'], blocked: ['x'], review: [] });
    expect(res.agent.status).toBe('PAUSED');
  });

  it('lets an agent key register only its own agents', async () => {
    await expect(t.as(bot).sdk.registerAgent({ name: 'Other' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      t.as(principals.reviewer).sdk.registerAgent({ name: 'Other' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("refuses a declared tool schema BSON can't store (a NUL in a key, `_bsontype`) as BAD_REQUEST", async () => {
    // Stored as a document, such a schema failed the write with a 500 (attack review 16).
    for (const argsSchema of [
      { type: 'object', properties: { 'a\u0000b': { type: 'string' } } },
      { type: 'object', properties: { x: { _bsontype: 'Long', low: 1, high: 0 } } },
      { _bsontype: 'Code', code: '1' },
    ]) {
      const err = await t
        .as(principals.agent('Declares'))
        .sdk.registerAgent({ name: 'Declares', tools: [{ name: 'lookup', argsSchema }] })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(String(err)).toMatch(/control character|_bsontype/);
    }
  });

  it('rejects a bad action name as BAD_REQUEST naming the field', async () => {
    const err = await t
      .as(bot)
      .sdk.registerAgent({ name: 'PayBot', allows: ['no spaces allowed'] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(err)).toContain('allows');
  });
});

describe('sdk.decide', () => {
  it.each([
    ['lookup_balance', 'ALLOWED', 'ALLOWED'],
    ['delete_records', 'BLOCKED', 'BLOCKED'],
  ] as const)(
    '%s → %s with exactly one %s audit entry, written before the answer',
    async (action, verdict, status) => {
      const d = await t.as(bot).sdk.decide({ agent: 'PayBot', action, args: { customer_id: 3 } });
      expect(d.verdict).toBe(verdict);
      expect(d.approvalId).toBeNull();
      const entries = await entriesFor(d.callId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        id: d.auditId,
        status,
        action,
        argsPreview: '{"customer_id":3}',
      });
    },
  );

  it('KILLED for a paused agent, one KILLED entry', async () => {
    await t.as(principals.agent('Pausy')).sdk.registerAgent({ name: 'Pausy', allows: ['x'] });
    await t.as(principals.reviewer).agents.setStatus({ name: 'Pausy', status: 'PAUSED' });
    const d = await t.as(principals.agent('Pausy')).sdk.decide({ agent: 'Pausy', action: 'x' });
    expect(d.verdict).toBe('KILLED');
    const page = await t.as(principals.viewer).audit.list({ agent: 'Pausy' });
    // issue 12: the reviewer's kill-switch is on record too, as a person's action
    expect(page.entries.map((e) => [e.status, e.source])).toEqual([
      ['KILLED', 'server'],
      ['PAUSED', 'person'],
    ]);
  });

  it('REVIEW opens exactly one approval and one PENDING entry; a repeat reuses the approval', async () => {
    const args = { to: 'acct-9', amount: 5000, ssn: '123-45-6789' };
    const first = await t.as(bot).sdk.decide({ agent: 'PayBot', action: 'wire', args });
    expect(first.verdict).toBe('REVIEW');
    expect(first.approvalId).not.toBeNull();
    const entries = await entriesFor(first.callId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 'PENDING', approvalId: first.approvalId });
    expect(entries[0]!.argsPreview).toContain('***-**-6789');
    expect(entries[0]!.argsPreview).not.toContain('123-45');

    const again = await t.as(bot).sdk.decide({
      agent: 'PayBot',
      action: 'wire',
      args: { amount: 5000, ssn: '123-45-6789', to: 'acct-9' },
    });
    expect(again).toMatchObject({ verdict: 'REVIEW', approvalId: first.approvalId });
    const pending = await t.as(principals.viewer).approvals.list({ agent: 'PayBot' });
    expect(pending.approvals.filter((a) => a.action === 'wire')).toHaveLength(1);
    // issue 12: a list item carries the masked preview of the arguments
    expect(JSON.parse(pending.approvals[0]!.argsPreview)).toEqual({ to: 'acct-9', amount: 5000, ssn: '***-**-6789' });
  });

  it('an approved approval allows exactly the same call once', async () => {
    const args = { to: 'acct-1', amount: 10 };
    const review = await t.as(bot).sdk.decide({ agent: 'PayBot', action: 'wire', args });
    await t
      .as(principals.reviewer)
      .approvals.decide({ id: review.approvalId!, decision: 'APPROVED' });
    const otherArgs = await t
      .as(bot)
      .sdk.decide({ agent: 'PayBot', action: 'wire', args: { to: 'acct-1', amount: 11 } });
    expect(otherArgs.verdict).toBe('REVIEW');
    const allowed = await t
      .as(bot)
      .sdk.decide({ agent: 'PayBot', action: 'wire', args, callId: review.callId });
    expect(allowed).toMatchObject({ verdict: 'ALLOWED', approvalId: review.approvalId });
    expect(allowed.reason).toContain(principals.reviewer.name);
    const status = await t.as(bot).sdk.approvalStatus({ id: review.approvalId! });
    expect(status.consumedAt).not.toBeNull();
    const thirdTime = await t.as(bot).sdk.decide({ agent: 'PayBot', action: 'wire', args });
    expect(thirdTime.verdict).toBe('REVIEW');
    expect(thirdTime.approvalId).not.toBe(review.approvalId);
  });

  it('unknown agent → NOT_FOUND; another agent → FORBIDDEN', async () => {
    await expect(
      t.as(principals.admin).sdk.decide({ agent: 'Ghost', action: 'x' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.as(bot).sdk.decide({ agent: 'Idem', action: 'a' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('concurrent identical REVIEW calls share one approval', async () => {
    const args = { n: 42 };
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.as(bot).sdk.decide({ agent: 'PayBot', action: 'export', args }),
      ),
    );
    expect(new Set(results.map((r) => r.approvalId)).size).toBe(1);
    expect(new Set(results.map((r) => r.auditId)).size).toBe(10);
  });
});

describe('sdk.decide with arguments BSON reads as its own types', () => {
  it('refuses `_bsontype` anywhere in the arguments as BAD_REQUEST, held for review or not', async () => {
    // An approval stores the arguments as a document: a call held for review answered 500
    // (attack review 16), the same call allowed answered 200.
    for (const action of ['wire', 'lookup_balance']) {
      for (const args of [
        { to: 'acct-1', x: { _bsontype: 'Long', low: 1, high: 0 } },
        { _bsontype: 'Code', code: '1' },
        { list: [{ _bsontype: 'Decimal128', bytes: 'AAAA' }] },
      ]) {
        const err = await t
          .as(bot)
          .sdk.decide({ agent: 'PayBot', action, args })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'BAD_REQUEST' });
        expect(String(err)).toContain('_bsontype');
      }
    }
  });
});

describe('sdk.complete', () => {
  it('records the outcome once', async () => {
    const d = await t.as(bot).sdk.decide({ agent: 'PayBot', action: 'lookup_balance' });
    await t.as(bot).sdk.complete({ callId: d.callId, outcome: 'ok', durationMs: 12.5 });
    const [entry] = await entriesFor(d.callId);
    expect(entry).toMatchObject({ outcome: 'ok', durationMs: 12.5 });
    await expect(
      t.as(bot).sdk.complete({ callId: d.callId, outcome: 'ok', durationMs: 1 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses findings whose detector name no detector can have (a counter path: ".", "$", NUL)', async () => {
    // Their names became the analytics counters' field paths (attack review 16).
    for (const detector of ['.', 'card.x', '$inc', '\u0000', '__proto__', 'Card']) {
      const d = await t.as(bot).sdk.decide({ agent: 'PayBot', action: 'lookup_balance' });
      const finding = { detector, path: '/x', count: 1, confidence: 0.9 };
      const err = await t
        .as(bot)
        .sdk.complete({ callId: d.callId, outcome: 'ok', durationMs: 1, resultFindings: [finding] })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST' });
      expect(String(err)).toContain('a detector name');
      await expect(
        t
          .as(bot)
          .sdk.result({
            agent: 'PayBot',
            action: 'lookup_balance',
            callId: d.callId,
            findings: [finding],
            preview: '{}',
          }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    const d = await t.as(bot).sdk.decide({ agent: 'PayBot', action: 'lookup_balance' });
    const card = { detector: 'card', path: '/x', count: 1, confidence: 0.9 };
    await t
      .as(bot)
      .sdk.complete({ callId: d.callId, outcome: 'ok', durationMs: 1, resultFindings: [card] });
  });

  it('an error outcome also writes an ERROR entry', async () => {
    const d = await t.as(bot).sdk.decide({ agent: 'PayBot', action: 'lookup_balance' });
    await t
      .as(bot)
      .sdk.complete({ callId: d.callId, outcome: 'error', durationMs: 3, error: 'db down' });
    const entries = await entriesFor(d.callId);
    expect(entries.map((e) => e.status).sort()).toEqual(['ALLOWED', 'ERROR']);
    expect(entries.find((e) => e.status === 'ERROR')!.details).toContain('db down');
  });

  it('records many concurrent outcomes, each on its own entry', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.as(bot).sdk.decide({ agent: 'PayBot', action: 'lookup_balance', args: { i } }),
      ),
    );
    await Promise.all(
      decisions.map((d, i) =>
        t.as(bot).sdk.complete({ callId: d.callId, outcome: 'ok', durationMs: i }),
      ),
    );
    for (const [i, d] of decisions.entries()) {
      const [entry] = await entriesFor(d.callId);
      expect(entry).toMatchObject({ outcome: 'ok', durationMs: i });
    }
  });

  it('seals each outcome in the background, against the entry as stored', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.as(bot).sdk.decide({ agent: 'PayBot', action: 'lookup_balance', args: { sealed: i } }),
      ),
    );
    await Promise.all(
      decisions.map((d, i) =>
        t.as(bot).sdk.complete({ callId: d.callId, outcome: 'ok', durationMs: i }),
      ),
    );
    const records = t.store.connection.collection('audit_outcomes');
    const ids = decisions.map((d) => d.auditId);
    // Nobody waits here: the records follow the answers within the gathering window.
    await vi.waitFor(
      async () => expect(await records.countDocuments({ entryId: { $in: ids } })).toBe(12),
      { timeout: 10_000, interval: 20 },
    );
    const report = await t.as(principals.admin).audit.verify();
    // A record sealed against any other hash than the entry's would fail verification.
    expect(report).toMatchObject({ ok: true, outcomes: { sealPending: [], recovered: [] } });
  });

  it('verify waits for the seals this server has in flight: none is reported pending', async () => {
    const d = await t.as(bot).sdk.decide({ agent: 'PayBot', action: 'lookup_balance', args: {} });
    await t.as(bot).sdk.complete({ callId: d.callId, outcome: 'ok', durationMs: 1 });
    const report = await t.as(principals.admin).audit.verify();
    expect(report.ok).toBe(true);
    expect(report.outcomes.sealPending).toEqual([]);
    expect(report.outcomes.records).toBe(report.outcomes.sealed);
  });

  it('unknown call → NOT_FOUND', async () => {
    await expect(
      t.as(bot).sdk.complete({ callId: 'never-seen-call', outcome: 'ok', durationMs: 1 }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('sdk reads and writes', () => {
  it('agentStatus: the status, or null for an unknown agent', async () => {
    expect(await t.as(bot).sdk.agentStatus({ name: 'PayBot' })).toEqual({ status: 'ACTIVE' });
    expect(await t.as(principals.admin).sdk.agentStatus({ name: 'Nobody' })).toEqual({
      status: null,
    });
  });

  it('snapshot: status and policy of the caller’s agents', async () => {
    const snap = await t.as(bot).sdk.snapshot({ agents: ['PayBot'] });
    expect(snap.agents[0]).toMatchObject({
      status: 'ACTIVE',
      policy: { agent: 'PayBot', allowed: ['lookup_balance'] },
    });
    await expect(t.as(bot).sdk.snapshot({ agents: ['Idem'] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('log: writes one entry; unknown agent → NOT_FOUND; invalid status → BAD_REQUEST', async () => {
    // issue 12: a report of ALLOWED must be for an action the policy allows, so 'note' logs PENDING
    const entry = await t
      .as(bot)
      .sdk.log({ agent: 'PayBot', action: 'note', status: 'PENDING', details: 'hello' });
    expect(entry).toMatchObject({
      agent: 'PayBot',
      status: 'PENDING',
      severity: 'warning',
      details: 'hello',
      source: 'agent',
    });
    await expect(
      t.as(principals.admin).sdk.log({ agent: 'Ghost', action: 'n', status: 'ALLOWED' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // An invalid enum value on purpose.
    const err = await t
      .as(bot)
      .sdk.log({ agent: 'PayBot', action: 'n', status: 'MAYBE' as never })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(err)).toContain('status');
    // REVEALED records a person revealing arguments; an agent may not file one
    await expect(
      t.as(bot).sdk.log({ agent: 'PayBot', action: 'n', status: 'REVEALED' as never }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('recordBatch: stores local-mode decisions once, replays count as duplicates', async () => {
    const entries = [1, 2, 3].map((i) => ({
      entryKey: `batch-key-${i}-xyz`,
      agent: 'PayBot',
      action: 'lookup_balance',
      status: 'ALLOWED' as const,
      details: 'local decision',
      callId: `local-call-${i}`,
      args: { i },
      decidedAt: new Date().toISOString(),
      policyVersion: 1,
      rule: { id: 'seed-allowed', scope: 'agent' as const, version: 1 },
    }));
    expect(await t.as(bot).sdk.recordBatch({ entries })).toMatchObject({
      stored: 3,
      duplicates: 0,
    });
    expect(await t.as(bot).sdk.recordBatch({ entries: [...entries, entries[0]!] })).toMatchObject({
      stored: 0,
      duplicates: 4,
    });
    expect(await entriesFor('local-call-2')).toHaveLength(1);
  });

  it('approvalTimeout: expires a pending approval and logs TIMEOUT', async () => {
    const d = await t
      .as(bot)
      .sdk.decide({ agent: 'PayBot', action: 'wire', args: { timeout: true } });
    const expired = await t.as(bot).sdk.approvalTimeout({ id: d.approvalId! });
    expect(expired.status).toBe('EXPIRED');
    const entries = await entriesFor(d.callId);
    expect(entries.map((e) => e.status).sort()).toEqual(['PENDING', 'TIMEOUT']);
    await expect(
      t.as(principals.reviewer).approvals.decide({ id: d.approvalId!, decision: 'APPROVED' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('approvalStatus: NOT_FOUND for an unknown id', async () => {
    await expect(t.as(bot).sdk.approvalStatus({ id: 999999 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
