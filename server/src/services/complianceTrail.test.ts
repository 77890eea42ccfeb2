import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, principals, type TestContext } from '../../test/helpers/testServer';
import { hashAuditEntry } from '../data/auditChain';
import type { ExportRow } from '../data/repos/export.repo';

// A whole-log compliance trail is one unbroken stretch of the chain, so an auditor can check every
// link offline: an entry written inside the range but dated before it (a local-mode record
// shipped late) is carried too, marked outsideRange, instead of leaving a gap.
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await t.as(principals.admin).sdk.registerAgent({ name: 'W', allows: ['x'] });
});
afterAll(() => t.dispose());

async function collect(rows: AsyncIterable<ExportRow>): Promise<ExportRow[]> {
  const out: ExportRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe('the compliance trail', () => {
  it('fills a gap left by an entry dated outside the range; a trail of some agents is left as it is', async () => {
    const from = new Date(Date.now() - 60_000);
    await t.as(principals.admin).sdk.decide({ agent: 'W', action: 'x' });
    const last = (await t.as(principals.viewer).audit.list({ limit: 1 })).entries[0];
    if (!last) throw new Error('no entry');
    // dated an hour ago, written now: between two entries of the range
    const late = {
      id: last.id + 1,
      timestamp: new Date(Date.now() - 3_600_000).toISOString(),
      agent: 'W',
      action: 'x',
      status: 'ALLOWED',
      details: 'a local-mode record shipped late',
      callId: null,
      approvalId: null,
      argsPreview: null,
      prevHash: last.hash,
      source: 'agent',
    };
    await t.store.connection.collection('audit_log').insertOne({
      ...late,
      timestamp: new Date(late.timestamp),
      hash: hashAuditEntry(late),
      outcome: null,
      durationMs: null,
    });
    await t.as(principals.admin).sdk.decide({ agent: 'W', action: 'x' });
    const range = { from, to: new Date() };

    const whole = await collect(t.services.compliance.entries(range));
    const ids = whole.map((r) => r.id);
    expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));
    expect(whole.find((r) => r.id === late.id)).toMatchObject({
      outsideRange: true,
      source: 'agent',
    });
    expect(whole.filter((r) => r.outsideRange)).toHaveLength(1);

    const some = await collect(t.services.compliance.entries({ ...range, agents: ['W'] }));
    expect(some.map((r) => r.id)).not.toContain(late.id);
  });
});
